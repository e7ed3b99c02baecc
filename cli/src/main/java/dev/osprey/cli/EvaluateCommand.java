package dev.osprey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.EvaluationClient;
import dev.osprey.client.EvaluationClient.JobInfo;
import dev.osprey.client.OspreyClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code osprey evaluate}: scores an evaluation dataset with registered scorers as a server job, showing progress
 * while it runs and a summary table at the end. The job runs in the server, so the command may be interrupted and
 * the job followed again with {@code --job}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Evaluate a dataset with registered "
        + "scorers on the server, with a progress bar and a summary per scorer.")
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Option(names = "--dataset", paramLabel = "DATASET_ID", description = "The evaluation dataset (d-...).")
    String dataset;

    @Option(names = "--scorers", split = ",", paramLabel = "NAME", description = "Registered scorers, by name.")
    List<String> scorers;

    @Option(names = "--concurrency", defaultValue = "8", description = "Rows judged at once (default: "
            + "${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Follow an evaluation job already submitted.")
    String job;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        OspreyClient client = target.client();
        EvaluationClient evaluation = client.evaluation();
        return CliJobs.follow("evaluate", "Evaluation job", err, () -> job != null ? job : submit(client, evaluation),
                id -> evaluation.awaitJob(id, Duration.ofMillis(500), this::progress), this::report);
    }

    private String submit(OspreyClient client, EvaluationClient evaluation) {
        if (target.experiment == null || dataset == null || scorers == null || scorers.isEmpty()) {
            err.println("osprey evaluate: give --experiment, --dataset and --scorers (or --job to follow a job).");
            return null;
        }
        String experimentId = CliJobs.experimentId(client, target.experiment).orElse(null);
        if (experimentId == null) {
            err.println("osprey evaluate: no experiment named '" + target.experiment + "'.");
            return null;
        }
        return evaluation.submitJob(experimentId, dataset, scorers, concurrency).jobId();
    }

    /** {@code [#####.....] 50/100 rows  IN_PROGRESS}. */
    private void progress(JobInfo j) {
        CliJobs.progressBar(err, j.total() == 0 ? 0 : (double) j.completed() / j.total(), j.completed() + "/"
                + j.total() + " rows  " + j.status());
    }

    private int report(JobInfo j) {
        if (!j.status().equals("COMPLETED")) {
            err.println("osprey evaluate: job " + j.jobId() + " ended " + j.status()
                    + j.error().map(e -> ": " + e).orElse(""));
            return 1;
        }
        out.printf("%-28s %8s %8s %8s %8s%n", "scorer", "passed", "failed", "errors", "mean");
        for (Map.Entry<String, JsonNode> e : j.result().path("scorers").properties()) {
            JsonNode s = e.getValue();
            out.printf("%-28s %8d %8d %8d %8s%n", e.getKey(), s.path("passed").asLong(), s.path("failed").asLong(),
                    s.path("errors").asLong(), s.has("mean") ? String.format("%.3f", s.path("mean").asDouble()) : "-");
        }
        out.println("run " + j.runId() + " (" + j.result().path("rows").asLong() + " rows)");
        return 0;
    }
}
