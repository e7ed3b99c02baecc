package dev.osprey.server.http;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * How long a connection may take over each part of a request, so slow or stalled clients cannot hold sockets and
 * threads for ever (Helidon sets no read deadline on server sockets).
 *
 * @param header from a connection's first byte (or, for its first request, from the connection itself) to the end
 *     of a request's head: a total, so a client dripping one byte at a time gains nothing (nginx
 *     {@code client_header_timeout})
 * @param idle between two requests on a kept-alive connection ({@code keepalive_timeout})
 * @param body the longest wait for the next bytes of a request body, and for a client to take the next bytes of an
 *     answer ({@code client_body_timeout}, {@code send_timeout}); time spent in a handler does not count
 */
public record HttpTimeouts(Duration header, Duration idle, Duration body) {
    public static final HttpTimeouts DEFAULTS = new HttpTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(60),
            Duration.ofSeconds(60));

    public HttpTimeouts {
        positive("header", header);
        positive("idle", idle);
        positive("body", body);
    }

    /** Seconds as a flag gives them ({@code 20}, {@code 0.5}), for the message naming {@code flag} if invalid. */
    public static Duration seconds(String flag, String value) {
        try {
            BigDecimal seconds = new BigDecimal(value.trim());
            if (seconds.signum() > 0) {
                return Duration.ofMillis(Math.max(1, seconds.movePointRight(3).longValue()));
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(flag + " takes a number of seconds greater than 0 (such as 20 or 0.5); got '"
                + value + "'.");
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("The HTTP " + name + " timeout must be positive, got " + d);
        }
    }
}
