package dev.osprey.client;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Following a server job: read its state until it is finished, telling the caller each state seen. */
final class Polling {
    private Polling() {}

    static <T> T until(Supplier<T> read, Predicate<T> finished, Duration poll, Consumer<T> progress) {
        while (true) {
            T state = read.get();
            progress.accept(state);
            if (finished.test(state)) {
                return state;
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return state;
            }
        }
    }
}
