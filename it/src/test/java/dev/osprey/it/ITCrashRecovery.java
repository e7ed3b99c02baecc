package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.client.OspreyClient;
import dev.osprey.core.Metric;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL during concurrent log-batch load: after a restart on the same database every acknowledged batch is
 * there in full, no batch is half-applied, and replaying acknowledged batches (clients retry POSTs) duplicates
 * nothing.
 */
class ITCrashRecovery {
    private static final int POINTS_PER_BATCH = 50;
    private static final int CLIENTS = 8;

    @Test
    void killedServer_losesNoAcknowledgedWrite_andAppliesNoBatchByHalves() throws Exception {
        String backend = Backends.freshSqlite();
        Path artifacts = Files.createTempDirectory("osprey-crash");
        ServerProcess server = ServerProcess.start(backend, artifacts);
        OspreyClient setup = OspreyClient.create(server.url());
        String exp = setup.createExperiment("crash");
        List<String> runs = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            runs.add(setup.createRun(exp).info().runId());
        }
        OspreyClient noRetry = OspreyClient.builder(server.url()).maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(10)).build();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            String runId = runs.get(c);
            pool.submit(() -> {
                for (int batch = 0; !stop.get(); batch++) {
                    try {
                        noRetry.logBatch(runId, points(batch), List.of(new Param("p" + batch, "v" + batch)),
                                List.of(new Tag("last", Integer.toString(batch))));
                        acknowledged.add(runId + "/" + batch);
                    } catch (RuntimeException e) {
                        return;
                    }
                }
            });
        }
        Thread.sleep(1500);
        server.kill();
        stop.set(true);
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(acknowledged).hasSizeGreaterThan(CLIENTS);

        try (ServerProcess restarted = ServerProcess.start(server.port(), backend, artifacts)) {
            OspreyClient client = OspreyClient.create(restarted.url());
            for (String runId : runs) {
                Map<Long, Integer> perBatch = countPerBatch(client.getMetricHistory(runId, "m"));
                Set<String> params = new java.util.HashSet<>();
                client.getRun(runId).params().forEach(p -> params.add(p.key()));
                for (Map.Entry<Long, Integer> e : perBatch.entrySet()) {
                    assertThat(e.getValue()).as("points of batch %s of run %s", e.getKey(), runId)
                            .isEqualTo(POINTS_PER_BATCH);
                    assertThat(params).as("param of batch %s", e.getKey()).contains("p" + e.getKey());
                }
                for (String ack : acknowledged) {
                    if (ack.startsWith(runId + "/")) {
                        long batch = Long.parseLong(ack.substring(runId.length() + 1));
                        assertThat(perBatch).as("acknowledged batch %s", ack).containsKey(batch);
                    }
                }
            }
            // Replays of committed batches change nothing.
            for (String ack : acknowledged) {
                String[] parts = ack.split("/");
                int batch = Integer.parseInt(parts[1]);
                client.logBatch(parts[0], points(batch), List.of(new Param("p" + batch, "v" + batch)), List.of());
            }
            for (String runId : runs) {
                countPerBatch(client.getMetricHistory(runId, "m")).values()
                        .forEach(n -> assertThat(n).isEqualTo(POINTS_PER_BATCH));
            }
        }
    }

    private static List<Metric> points(int batch) {
        List<Metric> points = new ArrayList<>(POINTS_PER_BATCH);
        for (int i = 0; i < POINTS_PER_BATCH; i++) {
            long step = (long) batch * POINTS_PER_BATCH + i;
            points.add(Metric.of("m", step, 1_000 + batch, step));
        }
        return points;
    }

    private static Map<Long, Integer> countPerBatch(List<Metric> history) {
        Map<Long, Integer> counts = new HashMap<>();
        for (Metric m : history) {
            counts.merge(m.step() / POINTS_PER_BATCH, 1, Integer::sum);
        }
        return counts;
    }
}
