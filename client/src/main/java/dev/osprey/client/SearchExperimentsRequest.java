package dev.osprey.client;

import dev.osprey.core.ViewType;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A SearchExperiments call; build with {@link #all} and the {@code with*} methods. */
public record SearchExperimentsRequest(String filter, List<String> orderBy, ViewType viewType, int maxResults,
        Optional<String> pageToken) {
    public SearchExperimentsRequest {
        Objects.requireNonNull(filter, "filter");
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(viewType, "viewType");
        if (maxResults < 1 || maxResults > 50_000) {
            throw new IllegalArgumentException("maxResults must be 1..50000, got " + maxResults);
        }
        Objects.requireNonNull(pageToken, "pageToken");
    }

    public static SearchExperimentsRequest all() {
        return new SearchExperimentsRequest("", List.of(), ViewType.ACTIVE_ONLY, 1000, Optional.empty());
    }

    public SearchExperimentsRequest withFilter(String newFilter) {
        return new SearchExperimentsRequest(newFilter, orderBy, viewType, maxResults, pageToken);
    }

    public SearchExperimentsRequest withOrderBy(String... items) {
        return new SearchExperimentsRequest(filter, List.of(items), viewType, maxResults, pageToken);
    }

    public SearchExperimentsRequest withViewType(ViewType type) {
        return new SearchExperimentsRequest(filter, orderBy, type, maxResults, pageToken);
    }

    public SearchExperimentsRequest withMaxResults(int max) {
        return new SearchExperimentsRequest(filter, orderBy, viewType, max, pageToken);
    }

    public SearchExperimentsRequest withPageToken(Optional<String> token) {
        return new SearchExperimentsRequest(filter, orderBy, viewType, maxResults, token);
    }
}
