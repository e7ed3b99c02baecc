package dev.osprey.serving;

/**
 * A scoring request the model cannot take, answered as MLflow's scoring server answers it: {@code error_code}
 * ({@code BAD_REQUEST}, {@code INVALID_PARAMETER_VALUE}) and message with the HTTP status, or a plain-text 415.
 */
public final class ScoringException extends RuntimeException {
    private final String errorCode;
    private final int status;

    public ScoringException(String errorCode, int status, String message) {
        super(message);
        this.errorCode = errorCode;
        this.status = status;
    }

    public static ScoringException badRequest(String message) {
        return new ScoringException("BAD_REQUEST", 400, message);
    }

    public static ScoringException invalid(String message) {
        return new ScoringException("INVALID_PARAMETER_VALUE", 400, message);
    }

    /** A 415: MLflow answers an unsupported content type in plain text. */
    public static ScoringException unsupportedMediaType(String message) {
        return new ScoringException("", 415, message);
    }

    public String errorCode() {
        return errorCode;
    }

    public int status() {
        return status;
    }
}
