package dev.osprey.cli;

import dev.osprey.core.OspreyException;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import dev.osprey.server.gc.ArtifactDeleters;
import dev.osprey.server.gc.GarbageCollector;
import dev.osprey.store.DeletedItem;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code osprey gc}: permanently deletes runs and experiments in the deleted stage, with their artifacts, as
 * {@code mlflow gc} does.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Permanently delete runs and experiments in the deleted stage, with their artifacts.")
public final class GcCommand implements Callable<Integer> {
    private static final Pattern AGE = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    @Option(names = "--backend-store-uri",
            defaultValue = "${env:OSPREY_BACKEND_STORE_URI:-${env:MLFLOW_BACKEND_STORE_URI:-"
                    + ServerConfig.DEFAULT_BACKEND + "}}",
            description = "The server's backend store (default: ${DEFAULT-VALUE}).")
    String backendStoreUri;

    @Option(names = "--artifacts-destination",
            defaultValue = "${env:MLFLOW_ARTIFACTS_DESTINATION:-" + ServerConfig.DEFAULT_ARTIFACTS + "}",
            description = "The server's artifacts destination, for mlflow-artifacts: locations (default: "
                    + "${DEFAULT-VALUE}).")
    String artifactsDestination;

    @Option(names = "--default-artifact-root", defaultValue = "${env:MLFLOW_DEFAULT_ARTIFACT_ROOT}",
            description = "The server's default artifact root; local locations under it may be deleted.")
    String defaultArtifactRoot;

    @Option(names = "--tracking-uri", defaultValue = "${env:MLFLOW_TRACKING_URI}",
            description = "Delete mlflow-artifacts: locations over HTTP through this server's artifact proxy "
                    + "instead of in the destination directly.")
    String trackingUri;

    @Option(names = "--older-than", description = "Only what was deleted longer ago than this, as #d#h#m#s "
            + "(e.g. 30d, 1d2h, 90m).")
    String olderThan;

    @Option(names = "--experiment-ids", split = ",", description = "Only these experiments (comma-separated); "
            + "each must be deleted.")
    List<String> experimentIds = List.of();

    @Option(names = "--dry-run", description = "List what would be deleted and change nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        long cutoff;
        try {
            cutoff = System.currentTimeMillis() - Optional.ofNullable(olderThan).map(GcCommand::parseAge)
                    .orElse(Duration.ZERO).toMillis();
        } catch (IllegalArgumentException e) {
            System.err.println("osprey gc: " + e.getMessage());
            return 2;
        }
        ServerConfig config = ServerConfig.defaults();
        config = new ServerConfig(config.host(), config.port(), backendStoreUri,
                Optional.ofNullable(defaultArtifactRoot).filter(s -> !s.isBlank()), artifactsDestination, true, "",
                true, false);
        try (StorageComponent storage = Stores.open(backendStoreUri)) {
            GarbageCollector collector = new GarbageCollector(storage.tracking(), ArtifactDeleters.of(
                    OspreyServer.artifactLocations(config),
                    Optional.ofNullable(trackingUri).filter(s -> !s.isBlank()).map(URI::create)));
            GarbageCollector.Summary summary = collector.collect(
                    new GarbageCollector.Options(cutoff, experimentIds, dryRun), new ProgressBar(System.err));
            report(summary, System.out);
            return summary.failures().isEmpty() ? 0 : 1;
        } catch (OspreyException e) {
            System.err.println("osprey gc: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            System.err.println("osprey gc: cannot open the artifacts destination: " + e.getMessage());
            return 2;
        }
    }

    static void report(GarbageCollector.Summary summary, PrintStream out) {
        String verb = summary.dryRun() ? "Would permanently delete" : "Permanently deleted";
        if (summary.dryRun()) {
            for (DeletedItem run : summary.runs()) {
                out.println("run " + run.id() + " (experiment " + run.experimentId() + ", " + run.artifactLocation()
                        + ")");
            }
            for (DeletedItem experiment : summary.experiments()) {
                out.println("experiment " + experiment.id() + " (" + experiment.artifactLocation() + ")");
            }
        }
        out.println(verb + " " + summary.runs().size() + " run(s) and " + summary.experiments().size()
                + " experiment(s) with their artifacts.");
        for (String failure : summary.failures()) {
            out.println("Not deleted: " + failure);
        }
    }

    /** {@code 30d}, {@code 1d2h3m4s}, {@code 90m}... as {@code mlflow gc --older-than} takes them. */
    static Duration parseAge(String text) {
        Matcher m = AGE.matcher(text.trim());
        if (text.isBlank() || !m.matches()) {
            throw new IllegalArgumentException("--older-than takes #d#h#m#s, such as 30d or 1d2h; got '" + text
                    + "'.");
        }
        Duration d = Duration.ZERO;
        long[] units = {86_400, 3_600, 60, 1};
        for (int i = 0; i < 4; i++) {
            if (m.group(i + 1) != null) {
                d = d.plusSeconds(Long.parseLong(m.group(i + 1)) * units[i]);
            }
        }
        return d;
    }

    /** A one-line bar redrawn in place on a terminal; a line per tenth on logs and pipes. */
    static final class ProgressBar implements GarbageCollector.Progress {
        private static final int WIDTH = 30;
        private final PrintStream out;
        private final boolean terminal = System.console() != null;
        private int total;
        private int done;
        private int lastTenth = -1;

        ProgressBar(PrintStream out) {
            this.out = out;
        }

        @Override
        public void begin(int total) {
            this.total = total;
            if (total > 0) {
                draw("");
            }
        }

        @Override
        public void done(String item) {
            done++;
            draw(item);
        }

        private void draw(String item) {
            int filled = total == 0 ? WIDTH : done * WIDTH / total;
            String line = "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + " "
                    + item;
            if (terminal) {
                out.print("\r" + line + " ".repeat(Math.max(0, 20 - item.length())));
                if (done == total) {
                    out.println();
                }
            } else {
                int tenth = total == 0 ? 10 : done * 10 / total;
                if (tenth != lastTenth) {
                    lastTenth = tenth;
                    out.println(line);
                }
            }
            out.flush();
        }
    }
}
