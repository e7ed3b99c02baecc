package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BooleanSupplier;

/** Polls until a condition holds, failing after 30 s. */
final class Waiting {
    private Waiting() {}

    static void until(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition not reached in 30 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
