package dev.osprey.client;

import dev.osprey.core.Run;
import dev.osprey.core.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fluent entry point for runs.
 *
 * <pre>{@code
 * try (ActiveRun run = Osprey.startRun(client).experimentName("demo").runName("baseline").start()) {
 *     run.logParam("lr", "0.01").logMetric("loss", 0.42, 1);
 * }                                   // FINISHED
 *
 * Osprey.startRun(client).experimentName("demo").run(run -> train(run));   // FAILED if train throws
 * }</pre>
 */
public final class Osprey {
    private Osprey() {}

    public static RunBuilder startRun(OspreyClient client) {
        return new RunBuilder(client);
    }

    /** What a run starts with. Without an experiment it goes to the default experiment "0". */
    public static final class RunBuilder {
        private final OspreyClient client;
        private Optional<String> experimentId = Optional.empty();
        private Optional<String> experimentName = Optional.empty();
        private Optional<String> runName = Optional.empty();
        private final List<Tag> tags = new ArrayList<>();

        private RunBuilder(OspreyClient client) {
            this.client = client;
        }

        public RunBuilder experimentId(String id) {
            this.experimentId = Optional.of(id);
            return this;
        }

        /** The experiment of that name, created if missing. */
        public RunBuilder experimentName(String name) {
            this.experimentName = Optional.of(name);
            return this;
        }

        public RunBuilder runName(String name) {
            this.runName = Optional.of(name);
            return this;
        }

        public RunBuilder tag(String key, String value) {
            tags.add(new Tag(key, value));
            return this;
        }

        public ActiveRun start() {
            String experiment = experimentId.orElseGet(() -> experimentName.map(client::getOrCreateExperiment)
                    .orElse("0"));
            Run run = client.createRun(experiment, runName, System.currentTimeMillis(), tags);
            return new ActiveRun(client, run);
        }

        /** Runs {@code body} in a new run: FINISHED when it returns, FAILED (and rethrown) when it throws. */
        public void run(Consumer<ActiveRun> body) {
            try (ActiveRun run = start()) {
                try {
                    body.accept(run);
                } catch (RuntimeException | Error e) {
                    run.fail();
                    throw e;
                }
            }
        }
    }
}
