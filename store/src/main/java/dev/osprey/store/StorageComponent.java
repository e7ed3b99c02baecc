package dev.osprey.store;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * One backend's storage, in Zipkin's shape: the stores it supplies, a health check, and the lifetime of its
 * connections. The server holds one component and asks it for each store; a backend supplies only the kinds it
 * names in {@link #supplies()}, and asking it for another kind fails with a message naming both.
 *
 * <p>The stores of one component may share transactions (in the SQL backend a registered model's grants are
 * forgotten in the transaction that deletes it, and a trace write checks its experiment in its own), so the
 * stores a server uses come from one component.
 */
public interface StorageComponent extends AutoCloseable {

    /** The kinds of store this backend supplies. */
    Set<StoreKind> supplies();

    /** Fails with an exception naming the cause when the backend cannot be reached or is not migrated. */
    void check();

    /**
     * The directory the backend keeps its data in when that is on this machine (an SQLite file's folder): where files
     * that belong with the data go, such as the webhook secrets key. Empty for a database server.
     */
    default Optional<Path> dataDirectory() {
        return Optional.empty();
    }

    /** Experiments, runs, params, tags and metrics. */
    default TrackingStore tracking() {
        throw unsupported(StoreKind.TRACKING);
    }

    /** Registered models, versions, aliases and prompts. */
    default RegistryStore registry() {
        throw unsupported(StoreKind.REGISTRY);
    }

    /** MLflow 3 logged models. */
    default LoggedModelStore loggedModels() {
        throw unsupported(StoreKind.LOGGED_MODELS);
    }

    /** Traces, spans and assessments. */
    default TraceStore traces() {
        throw unsupported(StoreKind.TRACES);
    }

    /** Registry webhooks. */
    default WebhookStore webhooks() {
        throw unsupported(StoreKind.WEBHOOKS);
    }

    /** The AI gateway's configuration and usage. */
    default GatewayStore gateway() {
        throw unsupported(StoreKind.GATEWAY);
    }

    /** Registered scorers and their online configurations. */
    default ScorerStore scorers() {
        throw unsupported(StoreKind.SCORERS);
    }

    /** Evaluation datasets. */
    default DatasetStore datasets() {
        throw unsupported(StoreKind.DATASETS);
    }

    /** Long-running server jobs (evaluations). */
    default JobStore jobs() {
        throw unsupported(StoreKind.JOBS);
    }

    /** Issues found in traces. */
    default IssueStore issues() {
        throw unsupported(StoreKind.ISSUES);
    }

    /** Users, tokens and permission grants. */
    default AuthStore auth() {
        throw unsupported(StoreKind.AUTH);
    }

    /** Workspaces and the workspace of each experiment, registered model and gateway resource. */
    default WorkspaceStore workspaces() {
        throw unsupported(StoreKind.WORKSPACES);
    }

    /** Releases the backend's connections; the stores it handed out are unusable afterwards. */
    @Override
    void close();

    private UnsupportedOperationException unsupported(StoreKind kind) {
        return new UnsupportedOperationException("The " + getClass().getSimpleName() + " backend supplies "
                + supplies() + ", not " + kind + ".");
    }
}
