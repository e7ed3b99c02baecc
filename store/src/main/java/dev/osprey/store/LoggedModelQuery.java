package dev.osprey.store;

import dev.osprey.search.Condition;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated SearchLoggedModels (spec/search-grammar.md §7).
 *
 * @param datasets metric clauses only consider points logged with one of these (all points when empty)
 */
public record LoggedModelQuery(List<String> experimentIds, List<Condition> filter, List<DatasetRef> datasets,
        List<Order> orderBy, int maxResults, Optional<String> pageToken) {

    /** A dataset by name, and optionally digest. */
    public record DatasetRef(String name, Optional<String> digest) {}

    /**
     * One order_by item: an attribute (canonical name) or {@code metrics.<key>} with an optional dataset.
     *
     * @param metricKey set when ordering by a metric's latest value
     */
    public record Order(String attribute, Optional<String> metricKey, boolean ascending, Optional<DatasetRef> dataset) {}

    public LoggedModelQuery {
        experimentIds = List.copyOf(experimentIds);
        filter = List.copyOf(filter);
        datasets = List.copyOf(datasets);
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(pageToken, "pageToken");
    }
}
