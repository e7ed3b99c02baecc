package dev.osprey.cli;

import dev.osprey.client.OspreyClient;
import dev.osprey.client.OspreyClientException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/** What the commands that run a server job share: starting or resuming it, following it, and the exit codes. */
final class CliJobs {
    private CliJobs() {}

    /**
     * Follows the job {@code start} names (null: the arguments were wrong and {@code start} said why): exit 2 for
     * wrong arguments, 1 when the server refuses or the job does not complete, else {@code report}'s code.
     */
    static <J> int follow(String command, String what, PrintStream err, Supplier<String> start,
            Function<String, J> await, ToIntFunction<J> report) {
        try {
            String jobId = start.get();
            if (jobId == null) {
                return 2;
            }
            err.println(what + " " + jobId);
            J done = await.apply(jobId);
            err.println();
            return report.applyAsInt(done);
        } catch (OspreyClientException e) {
            err.println("osprey " + command + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * A one-line bar of 30 cells redrawn in place, {@code fraction} of it filled, followed by {@code text}:
     * {@code [#####.....] 50 %  RUNNING}.
     */
    static void progressBar(PrintStream err, double fraction, String text) {
        int width = 30;
        int filled = (int) Math.round(width * Math.max(0.0, Math.min(1.0, fraction)));
        err.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + text + "   ");
        err.flush();
    }

    /** An experiment given by id (digits) or by name. */
    static Optional<String> experimentId(OspreyClient client, String idOrName) {
        return idOrName.chars().allMatch(Character::isDigit) ? Optional.of(idOrName)
                : client.getExperimentByName(idOrName).map(e -> e.experimentId());
    }
}
