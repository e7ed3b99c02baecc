package dev.osprey.store;

import dev.osprey.core.ViewType;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A validated run search over some experiments. */
public record RunQuery(
        List<String> experimentIds, List<Condition> filter, List<Ordering> orderBy, ViewType viewType,
        int maxResults, Optional<String> pageToken) {
    public RunQuery {
        experimentIds = List.copyOf(experimentIds);
        filter = List.copyOf(filter);
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(viewType, "viewType");
        Objects.requireNonNull(pageToken, "pageToken");
    }
}
