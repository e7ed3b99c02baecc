package dev.osprey.gateway.usage;

import dev.osprey.store.GatewayStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes finished calls off the hot path: a bounded queue drained by one thread that writes usage rows in batches and
 * hands each call to the listeners (traces). When the queue is full a call's usage is dropped and counted rather
 * than slowing callers down.
 */
public final class UsageRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageRecorder.class);
    private static final int BATCH = 500;
    private final BlockingQueue<GatewayCall> queue;
    private final GatewayStore store;
    private final List<Consumer<GatewayCall>> listeners;
    private final Thread worker;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    /** Calls recorded and not yet written with their listeners run: what {@link #flush()} waits for. */
    private final AtomicLong unfinished = new AtomicLong();
    private volatile boolean running = true;

    public UsageRecorder(GatewayStore store, int capacity, List<Consumer<GatewayCall>> listeners) {
        this.store = store;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.listeners = List.copyOf(listeners);
        this.worker = Thread.ofPlatform().daemon().name("osprey-gateway-usage").start(this::run);
    }

    public void record(GatewayCall call) {
        unfinished.incrementAndGet();
        if (!queue.offer(call)) {
            unfinished.decrementAndGet();
            dropped.incrementAndGet();
        }
    }

    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    private void run() {
        List<GatewayCall> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                GatewayCall first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            } finally {
                unfinished.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    private void write(List<GatewayCall> batch) {
        List<GatewayStore.GatewayUsage> rows = batch.stream().map(c -> new GatewayStore.GatewayUsage(c.requestId(),
                c.startedAtMs(), c.endpoint().endpointId(), c.endpoint().name(), c.provider(), c.model(), c.user(),
                c.usage().inputTokens(), c.usage().outputTokens(), c.cost(), c.latencyMs(), c.status(),
                c.endpoint().workspace())).toList();
        try {
            store.recordUsage(rows);
            written.addAndGet(rows.size());
        } catch (RuntimeException e) {
            LOG.error("Writing {} gateway usage rows failed; they are lost", rows.size(), e);
        }
        for (GatewayCall call : batch) {
            for (Consumer<GatewayCall> listener : listeners) {
                try {
                    listener.accept(call);
                } catch (RuntimeException e) {
                    LOG.warn("Recording gateway call {} failed: {}", call.requestId(), e.toString());
                }
            }
        }
    }

    /**
     * Waits until every call recorded so far is written and its listeners have run (tests, shutdown), at most 10 s:
     * the count of unfinished calls drops only after a batch is done, so a batch the worker is still writing is
     * waited for too.
     */
    public void flush() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (unfinished.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
