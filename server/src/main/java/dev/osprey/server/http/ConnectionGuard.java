package dev.osprey.server.http;

import io.helidon.common.socket.HelidonSocket;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One connection's read and write deadlines, in the phase its current request is in. The connection's thread moves it
 * through the phases and arms a deadline around each blocking read or write; {@link #WATCHDOG} closes the socket of
 * a connection whose armed deadline has passed, which ends the blocked call.
 */
final class ConnectionGuard {
    private enum Phase { FIRST_REQUEST, BETWEEN_REQUESTS, HEAD, BODY }

    private static final long NONE = Long.MAX_VALUE;
    private static final long ORIGIN = System.nanoTime();
    private static final Set<ConnectionGuard> LIVE = ConcurrentHashMap.newKeySet();
    private static final long TICK_MILLIS = 100;
    /** One platform thread for every listener in the JVM: the check is a comparison per live connection. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "osprey-http-deadlines");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.scheduleWithFixedDelay(ConnectionGuard::closeOverdue, TICK_MILLIS, TICK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** The guard of the connection the calling thread serves, for the filter that sees requests end. */
    private static final ThreadLocal<ConnectionGuard> CURRENT = new ThreadLocal<>();

    private final HttpTimeouts timeouts;
    private final HelidonSocket socket;
    private volatile Phase phase = Phase.FIRST_REQUEST;
    private volatile long headDeadline;
    private volatile long readDeadline = NONE;
    private volatile long writeDeadline = NONE;
    private volatile boolean expired;
    private volatile boolean closeAfterAnswer;

    private ConnectionGuard(HttpTimeouts timeouts, HelidonSocket socket) {
        this.timeouts = timeouts;
        this.socket = socket;
        this.headDeadline = now() + timeouts.header().toNanos();
    }

    /** Starts guarding the calling thread's connection; {@link #release()} when it ends. */
    static ConnectionGuard open(HttpTimeouts timeouts, HelidonSocket socket) {
        ConnectionGuard guard = new ConnectionGuard(timeouts, socket);
        LIVE.add(guard);
        CURRENT.set(guard);
        return guard;
    }

    void release() {
        LIVE.remove(this);
        CURRENT.remove();
    }

    static Optional<ConnectionGuard> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    void beforeRead() {
        readDeadline = switch (phase) {
            case FIRST_REQUEST, HEAD -> headDeadline;
            case BETWEEN_REQUESTS -> now() + timeouts.idle().toNanos();
            case BODY -> now() + timeouts.body().toNanos();
        };
    }

    /** After a read that returned {@code bytes}: the first bytes of a request start its head's clock. */
    void afterRead(int bytes) {
        readDeadline = NONE;
        if (bytes > 0) {
            if (phase == Phase.BETWEEN_REQUESTS) {
                headDeadline = now() + timeouts.header().toNanos();
                phase = Phase.HEAD;
            } else if (phase == Phase.FIRST_REQUEST) {
                phase = Phase.HEAD;
            }
        }
    }

    void headRead() {
        phase = Phase.BODY;
    }

    void requestEnded() {
        phase = Phase.BETWEEN_REQUESTS;
    }

    /** The answer carried {@code Connection: close}: the connection ends once the request has. */
    void closeAfterAnswer() {
        closeAfterAnswer = true;
    }

    boolean closing() {
        return closeAfterAnswer && phase == Phase.BETWEEN_REQUESTS;
    }

    void beforeWrite() {
        writeDeadline = now() + timeouts.body().toNanos();
    }

    void afterWrite() {
        writeDeadline = NONE;
    }

    /** Whether the watchdog closed this connection (a failed read or write is then the timeout, not an error). */
    boolean expired() {
        return expired;
    }

    private static void closeOverdue() {
        long now = now();
        for (ConnectionGuard guard : LIVE) {
            if (!guard.expired && Math.min(guard.readDeadline, guard.writeDeadline) <= now) {
                guard.expired = true;
                LIVE.remove(guard);
                try {
                    guard.socket.close();
                } catch (RuntimeException e) {
                    // already closed by the peer: nothing left to free
                }
            }
        }
    }

    /** Nanoseconds since this class loaded: positive, so {@link #NONE} compares after every deadline. */
    private static long now() {
        return System.nanoTime() - ORIGIN;
    }
}
