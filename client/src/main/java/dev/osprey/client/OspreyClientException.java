package dev.osprey.client;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;

/**
 * A call the server refused or could not complete, carrying MLflow's error code and the HTTP status. Subclasses
 * name the cases callers branch on.
 */
public class OspreyClientException extends OspreyException {
    private static final long serialVersionUID = 1L;
    private final int httpStatus;

    public OspreyClientException(ErrorCode code, int httpStatus, String message) {
        super(code, message);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    static OspreyClientException of(ErrorCode code, int status, String message) {
        String text = code.name() + ": " + message;
        return switch (code) {
            case RESOURCE_DOES_NOT_EXIST, NOT_FOUND -> new NotFound(code, status, text);
            case RESOURCE_ALREADY_EXISTS, ALREADY_EXISTS -> new AlreadyExists(code, status, text);
            case INVALID_PARAMETER_VALUE, BAD_REQUEST, MALFORMED_REQUEST -> new InvalidParameter(code, status, text);
            case ENDPOINT_NOT_FOUND -> new EndpointNotFound(code, status, text);
            case UNAUTHENTICATED, CUSTOMER_UNAUTHORIZED, PERMISSION_DENIED -> new Unauthorized(code, status, text);
            default -> new OspreyClientException(code, status, text);
        };
    }

    /** RESOURCE_DOES_NOT_EXIST: the experiment, run or other resource is not there. */
    public static final class NotFound extends OspreyClientException {
        private static final long serialVersionUID = 1L;

        public NotFound(ErrorCode code, int status, String message) {
            super(code, status, message);
        }
    }

    /** RESOURCE_ALREADY_EXISTS: the name is taken. */
    public static final class AlreadyExists extends OspreyClientException {
        private static final long serialVersionUID = 1L;

        AlreadyExists(ErrorCode code, int status, String message) {
            super(code, status, message);
        }
    }

    /** INVALID_PARAMETER_VALUE: the request broke a rule; the message says which. */
    public static final class InvalidParameter extends OspreyClientException {
        private static final long serialVersionUID = 1L;

        InvalidParameter(ErrorCode code, int status, String message) {
            super(code, status, message);
        }
    }

    /** ENDPOINT_NOT_FOUND: the server does not have this API (an older server, or a wrong base URL). */
    public static final class EndpointNotFound extends OspreyClientException {
        private static final long serialVersionUID = 1L;

        EndpointNotFound(ErrorCode code, int status, String message) {
            super(code, status, message);
        }
    }

    /** Authentication or permission refused. */
    public static final class Unauthorized extends OspreyClientException {
        private static final long serialVersionUID = 1L;

        Unauthorized(ErrorCode code, int status, String message) {
            super(code, status, message);
        }
    }
}
