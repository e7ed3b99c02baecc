package dev.osprey.client;

import dev.osprey.core.ViewType;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A SearchRuns call; build with {@link #of} and the {@code with*} methods. */
public record SearchRunsRequest(List<String> experimentIds, String filter, List<String> orderBy, ViewType viewType,
        int maxResults, Optional<String> pageToken) {
    public SearchRunsRequest {
        experimentIds = List.copyOf(experimentIds);
        Objects.requireNonNull(filter, "filter");
        orderBy = List.copyOf(orderBy);
        Objects.requireNonNull(viewType, "viewType");
        if (maxResults < 1 || maxResults > 50_000) {
            throw new IllegalArgumentException("maxResults must be 1..50000, got " + maxResults);
        }
        Objects.requireNonNull(pageToken, "pageToken");
    }

    public static SearchRunsRequest of(String... experimentIds) {
        return new SearchRunsRequest(List.of(experimentIds), "", List.of(), ViewType.ACTIVE_ONLY, 1000,
                Optional.empty());
    }

    public SearchRunsRequest withFilter(String newFilter) {
        return new SearchRunsRequest(experimentIds, newFilter, orderBy, viewType, maxResults, pageToken);
    }

    public SearchRunsRequest withOrderBy(String... items) {
        return new SearchRunsRequest(experimentIds, filter, List.of(items), viewType, maxResults, pageToken);
    }

    public SearchRunsRequest withViewType(ViewType type) {
        return new SearchRunsRequest(experimentIds, filter, orderBy, type, maxResults, pageToken);
    }

    public SearchRunsRequest withMaxResults(int max) {
        return new SearchRunsRequest(experimentIds, filter, orderBy, viewType, max, pageToken);
    }

    public SearchRunsRequest withPageToken(Optional<String> token) {
        return new SearchRunsRequest(experimentIds, filter, orderBy, viewType, maxResults, token);
    }
}
