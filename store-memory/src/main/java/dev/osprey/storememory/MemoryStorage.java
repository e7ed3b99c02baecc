package dev.osprey.storememory;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The in-memory reference backend: every store of the kit on plain Java collections behind one lock. It passes the
 * same store kit as the SQL databases, so it shows what the SPI asks of a backend without SQL; it serves tests and
 * throwaway servers ({@code --backend-store-uri memory:}). Nothing survives the process.
 */
public final class MemoryStorage implements StorageComponent {
    private final MemoryDatabase db = new MemoryDatabase();
    private final Purge purge = new Purge(db);
    private final TrackingStore tracking = new MemoryTrackingStore(db, purge);
    private final RegistryStore registry = new MemoryRegistryStore(db, dev.osprey.store.WorkspaceStore.DEFAULT);
    private final LoggedModelStore loggedModels = new MemoryLoggedModelStore(db);
    private final TraceStore traces = new MemoryTraceStore(db);
    private final WebhookStore webhooks = new MemoryWebhookStore(db);
    private final GatewayStore gateway = new MemoryGatewayStore(db);
    private final ScorerStore scorers = new MemoryScorerStore(db);
    private final DatasetStore datasets = new MemoryDatasetStore(db);
    private final JobStore jobs = new MemoryJobStore(db);
    private final dev.osprey.store.IssueStore issues = new MemoryIssueStore(db);
    private final AuthStore auth = new MemoryAuthStore(db);
    private final WorkspaceStore workspaces = new MemoryWorkspaceStore(db, purge);
    private Path dataDirectory;

    @Override
    public Set<StoreKind> supplies() {
        return EnumSet.allOf(StoreKind.class);
    }

    @Override
    public void check() {
        // Nothing to reach: memory is always there.
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

    /**
     * Files that belong with the data (the webhook secrets key) go to a directory of this storage's own, removed on
     * {@link #close()}: they must not outlive data they can no longer open, nor land in the user's home.
     */
    @Override
    public synchronized Optional<Path> dataDirectory() {
        if (dataDirectory == null) {
            try {
                dataDirectory = Files.createTempDirectory("osprey-memory");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create a directory for the in-memory backend's files", e);
            }
        }
        return Optional.of(dataDirectory);
    }

    @Override
    public synchronized void close() {
        if (dataDirectory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + dataDirectory, e);
        }
        dataDirectory = null;
    }
}
