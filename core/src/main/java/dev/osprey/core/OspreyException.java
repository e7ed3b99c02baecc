package dev.osprey.core;

/** A failure the client caused or must know about, carrying the MLflow error code it is reported with. */
public class OspreyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode errorCode;

    public OspreyException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public OspreyException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    public static OspreyException invalid(String message) {
        return new OspreyException(ErrorCode.INVALID_PARAMETER_VALUE, message);
    }

    public static OspreyException notFound(String message) {
        return new OspreyException(ErrorCode.RESOURCE_DOES_NOT_EXIST, message);
    }

    public static OspreyException alreadyExists(String message) {
        return new OspreyException(ErrorCode.RESOURCE_ALREADY_EXISTS, message);
    }
}
