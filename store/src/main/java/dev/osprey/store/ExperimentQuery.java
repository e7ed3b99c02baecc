package dev.osprey.store;

import dev.osprey.core.ViewType;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated experiment search.
 *
 * @param workspace only experiments of this workspace; empty: all (workspaces off)
 */
public record ExperimentQuery(
        List<Condition> filter, List<Ordering> orderBy, ViewType viewType, int maxResults,
        Optional<String> pageToken, Optional<String> workspace) {
    public ExperimentQuery {
        filter = List.copyOf(filter);
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(viewType, "viewType");
        Objects.requireNonNull(pageToken, "pageToken");
        Objects.requireNonNull(workspace, "workspace");
    }

    /** A search over all workspaces. */
    public ExperimentQuery(List<Condition> filter, List<Ordering> orderBy, ViewType viewType, int maxResults,
            Optional<String> pageToken) {
        this(filter, orderBy, viewType, maxResults, pageToken, Optional.empty());
    }
}
