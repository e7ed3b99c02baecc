package dev.osprey.search;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;

/** A filter or order_by string that does not parse or breaks an entity's rules; always INVALID_PARAMETER_VALUE. */
public final class SearchSyntaxException extends OspreyException {
    private static final long serialVersionUID = 1L;

    public SearchSyntaxException(String message) {
        super(ErrorCode.INVALID_PARAMETER_VALUE, message);
    }
}
