package dev.osprey.store;

import java.util.List;
import java.util.Optional;

/**
 * The AI gateway's configuration (secrets, model definitions, endpoints, budgets) and its usage log, in the tracking
 * store's database. Configuration entities are small documents read into memory by the gateway, so they are stored
 * as one JSON body per row, keyed by kind and id, with a name unique per kind within a workspace (MLflow 3.5).
 */
public interface GatewayStore {

    /**
     * Inserts a document; {@code RESOURCE_ALREADY_EXISTS} when its kind already has one with that name in its
     * workspace (the message names the kind and the name only).
     */
    void insert(GatewayDocument document);

    /** Replaces the document with the same kind and id; {@code RESOURCE_DOES_NOT_EXIST} if there is none. */
    void update(GatewayDocument document);

    /** Replaces several documents in one transaction: all are written or none is (key rotation). */
    void updateAll(List<GatewayDocument> documents);

    Optional<GatewayDocument> get(String kind, String id);

    /** The document of that kind and name in the workspace. */
    Optional<GatewayDocument> byName(String kind, String workspace, String name);

    /** Every document of a kind, oldest first. */
    List<GatewayDocument> list(String kind);

    /** Deletes it; false when there was none. */
    boolean delete(String kind, String id);

    /** Appends usage records in one batch. */
    void recordUsage(List<GatewayUsage> usage);

    /** Usage totals grouped as the query asks, largest cost first then key. */
    List<UsageTotals> usage(UsageQuery query);

    /**
     * A configuration document. {@code body} is JSON; {@code name} is unique within {@code kind} and the workspace,
     * which is where it is made (an update keeps it; only {@link WorkspaceStore} moves documents).
     */
    record GatewayDocument(String kind, String id, String name, String body, long createdAt, long updatedAt,
            String workspace) {
        public GatewayDocument {
            java.util.Objects.requireNonNull(workspace, "workspace");
        }

        /** A document of the default workspace. */
        public GatewayDocument(String kind, String id, String name, String body, long createdAt, long updatedAt) {
            this(kind, id, name, body, createdAt, updatedAt, WorkspaceStore.DEFAULT);
        }
    }

    /**
     * One gateway invocation as recorded for usage and cost.
     *
     * @param status the HTTP status the caller got
     */
    record GatewayUsage(String requestId, long timestampMs, String endpointId, String endpointName, String provider,
            String model, String user, long inputTokens, long outputTokens, double cost, long latencyMs, int status,
            String workspace) {}

    /** What to group usage by. */
    enum UsageGroup {
        ENDPOINT,
        USER,
        DAY,
        PROVIDER,
        MODEL
    }

    /** @param workspace only calls of that workspace's endpoints; empty: every workspace's */
    record UsageQuery(UsageGroup groupBy, long startMs, long endMs, Optional<String> endpointId,
            Optional<String> user, Optional<String> workspace) {}

    /** Sums for one group; {@code key} is the endpoint name, user, UTC day (yyyy-MM-dd), provider or model. */
    record UsageTotals(String key, long requests, long errors, long inputTokens, long outputTokens, double cost,
            long latencyMsSum) {}
}
