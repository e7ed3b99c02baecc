package dev.osprey.core;

/**
 * The server's own failure — the database, the artifact store or other infrastructure — never the client's mistake.
 * Kept apart from {@link OspreyException} so no handler can report it as a 4xx: REST answers 500
 * {@code INTERNAL_ERROR}, OTLP answers 503 with {@code Retry-After} so exporters send the spans again. The message
 * names what failed in words safe to log; the cause (SQL text, driver classes) stays in the server log only.
 */
public final class ServerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ServerFailure(String message, Throwable cause) {
        super(message, cause);
    }

    public ServerFailure(String message) {
        super(message);
    }
}
