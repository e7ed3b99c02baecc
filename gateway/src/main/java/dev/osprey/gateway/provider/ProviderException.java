package dev.osprey.gateway.provider;

/**
 * A call to a provider that did not succeed: the provider's status (or 502/504 when it could not be reached) and a
 * message safe to show the caller (credentials masked). {@code retryable} failures move on to the next model.
 */
public final class ProviderException extends RuntimeException {
    private final int status;
    private final boolean retryable;

    public ProviderException(int status, String message, boolean retryable) {
        super(message, null, false, false);
        this.status = status;
        this.retryable = retryable;
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    /** Whether a status is worth trying elsewhere: rate limits, timeouts and server errors. */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || status >= 500;
    }
}
