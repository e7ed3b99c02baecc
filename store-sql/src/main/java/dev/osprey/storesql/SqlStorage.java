package dev.osprey.storesql;

import dev.osprey.store.AuthStore;
import dev.osprey.store.DatasetStore;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.JobStore;
import dev.osprey.store.LoggedModelStore;
import dev.osprey.store.RegistryStore;
import dev.osprey.store.ScorerStore;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.StoreKind;
import dev.osprey.store.TraceStore;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WebhookStore;
import dev.osprey.store.WorkspaceStore;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Every store on one SQLite, PostgreSQL or MySQL/MariaDB database, sharing its connections: the stores'
 * transactions may touch each other's tables (a deleted resource's grants, a trace's experiment).
 */
public final class SqlStorage implements StorageComponent {
    private final Database db;
    private final Optional<Path> dataDirectory;
    private final SqlTrackingStore tracking;
    private final SqlRegistryStore registry;
    private final SqlLoggedModelStore loggedModels;
    private final SqlTraceStore traces;
    private final SqlWebhookStore webhooks;
    private final SqlGatewayStore gateway;
    private final SqlScorerStore scorers;
    private final SqlDatasetStore datasets;
    private final SqlJobStore jobs;
    private final SqlIssueStore issues;
    private final SqlAuthStore auth;
    private final SqlWorkspaceStore workspaces;

    SqlStorage(Database db, Optional<Path> dataDirectory) {
        this.db = db;
        this.dataDirectory = dataDirectory;
        ExperimentsSql experiments = new ExperimentsSql(db.dialect());
        PurgeSql purge = new PurgeSql(experiments);
        this.tracking = new SqlTrackingStore(db, experiments, purge);
        this.registry = new SqlRegistryStore(db, dev.osprey.store.WorkspaceStore.DEFAULT);
        this.loggedModels = new SqlLoggedModelStore(db, experiments);
        this.traces = new SqlTraceStore(db);
        this.webhooks = new SqlWebhookStore(db);
        this.gateway = new SqlGatewayStore(db);
        this.scorers = new SqlScorerStore(db);
        this.datasets = new SqlDatasetStore(db);
        this.jobs = new SqlJobStore(db);
        this.issues = new SqlIssueStore(db);
        this.auth = new SqlAuthStore(db);
        this.workspaces = new SqlWorkspaceStore(db, purge);
    }

    @Override
    public Set<StoreKind> supplies() {
        return EnumSet.allOf(StoreKind.class);
    }

    @Override
    public void check() {
        db.read(c -> Jdbc.one(c, "SELECT COUNT(*) FROM experiments", rs -> rs.getLong(1)));
    }

    /** The SQLite file's folder; empty for PostgreSQL and MySQL. */
    @Override
    public Optional<Path> dataDirectory() {
        return dataDirectory;
    }

    public SqlDialect dialect() {
        return db.dialect();
    }

    @Override
    public TrackingStore tracking() {
        return tracking;
    }

    @Override
    public RegistryStore registry() {
        return registry;
    }

    @Override
    public LoggedModelStore loggedModels() {
        return loggedModels;
    }

    @Override
    public TraceStore traces() {
        return traces;
    }

    @Override
    public WebhookStore webhooks() {
        return webhooks;
    }

    @Override
    public GatewayStore gateway() {
        return gateway;
    }

    @Override
    public ScorerStore scorers() {
        return scorers;
    }

    @Override
    public DatasetStore datasets() {
        return datasets;
    }

    @Override
    public JobStore jobs() {
        return jobs;
    }

    @Override
    public dev.osprey.store.IssueStore issues() {
        return issues;
    }

    @Override
    public AuthStore auth() {
        return auth;
    }

    @Override
    public WorkspaceStore workspaces() {
        return workspaces;
    }

    @Override
    public void close() {
        db.close();
    }
}
