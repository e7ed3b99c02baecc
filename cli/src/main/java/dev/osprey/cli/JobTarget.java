package dev.osprey.cli;

import dev.osprey.client.OspreyClient;
import picocli.CommandLine.Option;

/** The options every command that runs a server job shares: which server, and which experiment the job is for. */
final class JobTarget {
    @Option(names = "--tracking-uri", defaultValue = "${env:MLFLOW_TRACKING_URI:-http://127.0.0.1:5000}",
            description = "The Osprey server (default: MLFLOW_TRACKING_URI or ${DEFAULT-VALUE}).")
    String trackingUri;

    @Option(names = {"--experiment", "--experiment-id", "--experiment-name"}, paramLabel = "ID_OR_NAME",
            description = "The experiment the job belongs to: its id or its name.")
    String experiment;

    /** A client of the server that retries a failed call up to three times. */
    OspreyClient client() {
        return OspreyClient.builder(trackingUri).maxAttempts(3).build();
    }
}
