package dev.osprey.store;

import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A validated trace search over experiments (spec/search-grammar.md §6). */
public record TraceQuery(List<String> experimentIds, List<Condition> filter, List<Ordering> orderBy, int maxResults,
        Optional<String> pageToken) {
    public TraceQuery {
        experimentIds = List.copyOf(experimentIds);
        filter = List.copyOf(filter);
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(pageToken, "pageToken");
    }
}
