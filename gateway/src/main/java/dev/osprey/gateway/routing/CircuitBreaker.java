package dev.osprey.gateway.routing;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A provider's circuit: after {@code threshold} failures in a row it opens for {@code coolDownMs}, letting no call
 * through; then one trial call is let through (half-open): success closes it, failure opens it again.
 */
public final class CircuitBreaker {
    private final int threshold;
    private final long coolDownMs;
    private final LongSupplier clock;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicLong openUntil = new AtomicLong();

    public CircuitBreaker(int threshold, long coolDownMs, LongSupplier clock) {
        this.threshold = threshold;
        this.coolDownMs = coolDownMs;
        this.clock = clock;
    }

    /** Whether a call may go through now; a half-open circuit lets exactly one caller through per cool-down. */
    public boolean allow() {
        long until = openUntil.get();
        if (until == 0) {
            return true;
        }
        long now = clock.getAsLong();
        // The first caller after the cool-down pushes the deadline out and becomes the trial call.
        return now >= until && openUntil.compareAndSet(until, now + coolDownMs);
    }

    public void success() {
        failures.set(0);
        openUntil.set(0);
    }

    public void failure() {
        if (failures.incrementAndGet() >= threshold) {
            openUntil.set(clock.getAsLong() + coolDownMs);
        }
    }

    public boolean isOpen() {
        long until = openUntil.get();
        return until != 0 && clock.getAsLong() < until;
    }
}
