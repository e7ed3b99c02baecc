package dev.osprey.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One page of a search, with the opaque token for the next page when more rows exist. */
public record Page<T>(List<T> items, Optional<String> nextPageToken) {
    public Page {
        items = List.copyOf(items);
        Objects.requireNonNull(nextPageToken, "nextPageToken");
    }

    public static <T> Page<T> last(List<T> items) {
        return new Page<>(items, Optional.empty());
    }
}
