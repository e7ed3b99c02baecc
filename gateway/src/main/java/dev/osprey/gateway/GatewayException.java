package dev.osprey.gateway;

import java.util.OptionalLong;

/**
 * An invocation the gateway answers with an error: the HTTP status and a FastAPI-style {@code detail} (MLflow's
 * gateway answers {@code {"detail": ...}}), with {@code Retry-After} seconds for rate limits.
 */
public final class GatewayException extends RuntimeException {
    private final int status;
    private final OptionalLong retryAfterSeconds;

    public GatewayException(int status, String detail) {
        this(status, detail, OptionalLong.empty());
    }

    public GatewayException(int status, String detail, OptionalLong retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
