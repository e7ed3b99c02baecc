package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.client.OspreyClient;
import dev.osprey.core.Metric;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** 16 clients log 10,000 metrics each through log-batch into one run; history returns every point exactly once. */
abstract class ConcurrentLoggingContract {
    private static final int CLIENTS = 16;
    private static final int PER_CLIENT = 10_000;
    private static final int BATCH = 1000;

    protected abstract String backendStoreUri();

    @Test
    void sixteenClients_tenThousandMetricsEach_everyPointExactlyOnce() throws Exception {
        try (ServerProcess server = ServerProcess.start(backendStoreUri(),
                Files.createTempDirectory("osprey-concurrent"))) {
            OspreyClient client = OspreyClient.create(server.url());
            String exp = client.createExperiment("concurrent-" + System.nanoTime());
            String runId = client.createRun(exp).info().runId();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int clientNo = c;
                    OspreyClient own = OspreyClient.create(server.url());
                    done.add(pool.submit(() -> {
                        for (int offset = 0; offset < PER_CLIENT; offset += BATCH) {
                            List<Metric> points = new ArrayList<>(BATCH);
                            for (int i = 0; i < BATCH; i++) {
                                long step = (long) clientNo * PER_CLIENT + offset + i;
                                points.add(Metric.of("m", step, 1_700_000_000_000L + step, step));
                            }
                            own.logBatch(runId, points, List.of(), List.of());
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            List<Metric> history = client.getMetricHistory(runId, "m");
            assertThat(history).hasSize(CLIENTS * PER_CLIENT);
            Set<Long> steps = new HashSet<>();
            for (Metric m : history) {
                assertThat(m.value()).isEqualTo((double) m.step());
                steps.add(m.step());
            }
            assertThat(steps).hasSize(CLIENTS * PER_CLIENT);
            assertThat(client.getRun(runId).metrics().get(0).step()).isEqualTo((long) CLIENTS * PER_CLIENT - 1);
        }
    }
}
