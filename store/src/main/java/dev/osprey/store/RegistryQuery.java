package dev.osprey.store;

import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated search of registered models or of model versions.
 * A search lists the models (or versions) of the workspace the {@link RegistryStore} sees.
 */
public record RegistryQuery(List<Condition> filter, List<Ordering> orderBy, int maxResults,
        Optional<String> pageToken) {
    public RegistryQuery {
        filter = List.copyOf(filter);
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(pageToken, "pageToken");
    }
}
