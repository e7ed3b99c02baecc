package dev.osprey.core.net;

/** A connection refused by {@link UrlGuard} at resolution time: the name now points at an internal address. */
public final class BlockedAddressException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BlockedAddressException(String message) {
        super(message, null, false, false);
    }
}
