package dev.osprey.store;

import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated search of registered models or of model versions.
 *
 * @param workspace only models (or versions of models) of this workspace; empty: all (workspaces off)
 */
public record RegistryQuery(List<Condition> filter, List<Ordering> orderBy, int maxResults,
        Optional<String> pageToken, Optional<String> workspace) {
    public RegistryQuery {
        filter = List.copyOf(filter);
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(pageToken, "pageToken");
        Objects.requireNonNull(workspace, "workspace");
    }

    /** A search over all workspaces. */
    public RegistryQuery(List<Condition> filter, List<Ordering> orderBy, int maxResults, Optional<String> pageToken) {
        this(filter, orderBy, maxResults, pageToken, Optional.empty());
    }
}
