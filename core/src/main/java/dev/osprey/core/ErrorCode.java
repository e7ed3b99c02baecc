package dev.osprey.core;

/**
 * MLflow's error codes with the HTTP status MLflow OSS answers them with. The mapping is the wire contract:
 * clients branch on both the code and the status (spec/README.md, "Errors").
 */
public enum ErrorCode {
    INTERNAL_ERROR(500),
    TEMPORARILY_UNAVAILABLE(503),
    IO_ERROR(500),
    BAD_REQUEST(400),
    DEADLINE_EXCEEDED(504),
    CANCELLED(499),
    RESOURCE_EXHAUSTED(429),
    ABORTED(409),
    NOT_FOUND(404),
    ALREADY_EXISTS(409),
    UNAUTHENTICATED(401),
    INVALID_PARAMETER_VALUE(400),
    ENDPOINT_NOT_FOUND(404),
    MALFORMED_REQUEST(500),
    INVALID_STATE(500),
    PERMISSION_DENIED(403),
    FEATURE_DISABLED(500),
    CUSTOMER_UNAUTHORIZED(401),
    REQUEST_LIMIT_EXCEEDED(429),
    RESOURCE_CONFLICT(409),
    NOT_IMPLEMENTED(501),
    DATA_LOSS(500),
    RESOURCE_ALREADY_EXISTS(400),
    RESOURCE_DOES_NOT_EXIST(404);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The code for a name as clients send and receive it; {@link #INTERNAL_ERROR} for names we do not know. */
    public static ErrorCode fromName(String name) {
        for (ErrorCode code : values()) {
            if (code.name().equals(name)) {
                return code;
            }
        }
        return INTERNAL_ERROR;
    }
}
