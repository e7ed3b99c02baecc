package dev.osprey.client;

import dev.osprey.core.Metric;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run in progress. Closing it ends the run: FINISHED, or FAILED once {@link #fail} was called. Use it in
 * try-with-resources, or through {@link Osprey.RunBuilder#run} which marks the run FAILED when the body throws.
 */
public final class ActiveRun implements AutoCloseable {
    private final OspreyClient client;
    private final Run run;
    private volatile boolean failed;
    private volatile boolean closed;

    ActiveRun(OspreyClient client, Run run) {
        this.client = client;
        this.run = run;
    }

    public String runId() {
        return run.info().runId();
    }

    public String experimentId() {
        return run.info().experimentId();
    }

    public String runName() {
        return run.info().runName();
    }

    public ActiveRun logMetric(String key, double value) {
        return logMetric(key, value, 0);
    }

    public ActiveRun logMetric(String key, double value, long step) {
        client.logMetric(runId(), key, value, System.currentTimeMillis(), step);
        return this;
    }

    /** Several metrics at one step in one request. */
    public ActiveRun logMetrics(Map<String, Double> values, long step) {
        long now = System.currentTimeMillis();
        List<Metric> metrics = new ArrayList<>(values.size());
        values.forEach((k, v) -> metrics.add(Metric.of(k, v, now, step)));
        inChunks(metrics, 1000, chunk -> client.logBatch(runId(), chunk, List.of(), List.of()));
        return this;
    }

    public ActiveRun logParam(String key, String value) {
        client.logParam(runId(), key, value);
        return this;
    }

    public ActiveRun logParams(Map<String, String> params) {
        List<Param> list = params.entrySet().stream().map(e -> new Param(e.getKey(), e.getValue())).toList();
        inChunks(list, 100, chunk -> client.logBatch(runId(), List.of(), chunk, List.of()));
        return this;
    }

    public ActiveRun setTag(String key, String value) {
        client.setTag(runId(), key, value);
        return this;
    }

    public ActiveRun setTags(Map<String, String> tags) {
        List<Tag> list = tags.entrySet().stream().map(e -> new Tag(e.getKey(), e.getValue())).toList();
        inChunks(list, 100, chunk -> client.logBatch(runId(), List.of(), List.of(), chunk));
        return this;
    }

    /** Sends {@code items} in slices no larger than log-batch allows. */
    private static <T> void inChunks(List<T> items, int size, java.util.function.Consumer<List<T>> send) {
        for (int i = 0; i < items.size(); i += size) {
            send.accept(items.subList(i, Math.min(i + size, items.size())));
        }
    }

    /** Uploads a file or a directory's contents under {@code artifactPath} (see OspreyClient#logArtifact). */
    public ActiveRun logArtifact(java.nio.file.Path local, String artifactPath) {
        client.logArtifact(runId(), local, artifactPath);
        return this;
    }

    /** Marks the run FAILED when it is closed. */
    public void fail() {
        failed = true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            client.endRun(runId(), failed ? RunStatus.FAILED : RunStatus.FINISHED);
        }
    }
}
