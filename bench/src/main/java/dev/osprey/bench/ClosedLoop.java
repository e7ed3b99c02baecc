package dev.osprey.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load: {@code workers} platform threads, each with a caller of its own (a connection, a session),
 * calling back to back for a fixed time; reports the latency percentiles, the calls per second and the failures.
 */
final class ClosedLoop {
    private ClosedLoop() {}

    /** One worker's way of making calls; true when a call succeeded. */
    interface Caller extends AutoCloseable {
        boolean call() throws Exception;

        @Override
        default void close() throws Exception {}
    }

    /** Makes a worker's caller (a connection per worker, say). */
    interface CallerFactory {
        Caller open() throws Exception;
    }

    record Result(double p50Ms, double p99Ms, double perSecond, long errors) {}

    static Result run(int workers, int seconds, CallerFactory factory) throws InterruptedException {
        long[][] latencies = new long[workers][];
        int[] counts = new int[workers];
        AtomicLong errors = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int index = w;
            threads.add(Thread.ofPlatform().start(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                try (Caller caller = factory.open()) {
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        if (!caller.call()) {
                            errors.incrementAndGet();
                        }
                        long took = System.nanoTime() - t0;
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = took;
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
                latencies[index] = mine;
                counts[index] = n;
            }));
        }
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int w = 0; w < workers; w++) {
            System.arraycopy(latencies[w], 0, all, at, counts[w]);
            at += counts[w];
        }
        Arrays.sort(all);
        return new Result(percentile(all, 0.50), percentile(all, 0.99), total / elapsed, errors.get());
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1e6;
    }
}
