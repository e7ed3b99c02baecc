package dev.osprey.server.workspaces;

import dev.osprey.core.OspreyException;
import dev.osprey.store.WorkspaceStore;
import dev.osprey.store.WorkspaceStore.DeletionMode;
import dev.osprey.store.WorkspaceStore.Kind;
import dev.osprey.store.WorkspaceStore.Workspace;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Workspaces when they are on ({@code --enable-workspaces}): which workspace a request is in, the workspace of each
 * resource, and workspace management. Lookups are cached for {@link #CACHE_MS}: a workspace, or the workspace of a
 * resource, changes only when a workspace is changed or deleted, which drops the caches of the server that does it
 * at once; other servers on the same database see it within that time.
 */
public final class Workspaces implements WorkspaceScope {
    /** MLflow's header naming the workspace of a request. */
    public static final HeaderName HEADER = HeaderNames.create("X-MLFLOW-WORKSPACE");
    static final long CACHE_MS = 5_000;
    private static final int CACHE_LIMIT = 100_000;
    /** MLflow's rule (Kubernetes namespace names): lowercase letters, digits and inner hyphens, 2 to 63 long. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Set<String> RESERVED = Set.of("workspaces", "api", "ajax-api", "static-files");

    private record Cached<T>(T value, long expiresAt, long generation) {}

    private final WorkspaceStore store;
    private final dev.osprey.store.TrackingStore tracking;
    private final dev.osprey.server.locations.LocationRules locations;
    private final WorkspaceTrees trees;
    private final LongSupplier clock;
    private volatile Cached<ProxiedPaths> proxied = new Cached<>(ProxiedPaths.PLAIN, 0, -1);
    private final Map<String, Cached<Optional<Workspace>>> workspaces = new ConcurrentHashMap<>();
    private final Map<String, Cached<String>> resources = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    public Workspaces(WorkspaceStore store, dev.osprey.store.TrackingStore tracking,
            dev.osprey.server.locations.LocationRules locations, WorkspaceTrees trees, LongSupplier clock) {
        this.locations = locations;
        this.store = store;
        this.tracking = tracking;
        this.trees = trees;
        this.clock = clock;
    }

    /** The workspace a request passed through the workspace filter is in; empty when workspaces are off. */
    public static Optional<Workspace> of(ServerRequest req) {
        return req.context().get(Workspace.class);
    }

    public static Optional<String> nameOf(ServerRequest req) {
        return of(req).map(Workspace::name);
    }

    /** MLflow's name rules; INVALID_PARAMETER_VALUE naming the rule that failed. */
    public static void validateName(String name) {
        if (name.length() < 2 || name.length() > 63) {
            throw OspreyException.invalid("Workspace name '" + name + "' must be between 2 and 63 characters.");
        }
        if (!NAME.matcher(name).matches()) {
            throw OspreyException.invalid("Workspace name '" + name + "' must match the pattern " + NAME.pattern()
                    + " (lowercase alphanumeric with optional internal hyphens).");
        }
        if (RESERVED.contains(name)) {
            throw OspreyException.invalid("Workspace name '" + name + "' is reserved and cannot be used.");
        }
    }

    public static OspreyException notFound(String name) {
        return OspreyException.notFound("Workspace '" + name + "' not found");
    }

    /** The workspace a header names (blank or absent: the default one); RESOURCE_DOES_NOT_EXIST when unknown. */
    public Workspace resolve(Optional<String> header) {
        String name = header.map(String::strip).filter(h -> !h.isEmpty()).orElse(WorkspaceStore.DEFAULT);
        if (!name.equals(WorkspaceStore.DEFAULT)) {
            validateName(name);
        }
        return cachedWorkspace(name).orElseThrow(() -> notFound(name));
    }

    private Optional<Workspace> cachedWorkspace(String name) {
        long now = clock.getAsLong();
        long gen = generation.get();
        Cached<Optional<Workspace>> c = workspaces.get(name);
        if (c != null && c.expiresAt() > now && c.generation() == gen) {
            return c.value();
        }
        Optional<Workspace> found = store.get(name);
        if (workspaces.size() > CACHE_LIMIT) {
            workspaces.clear();
        }
        workspaces.put(name, new Cached<>(found, now + CACHE_MS, gen));
        return found;
    }

    // --- the scope of a call

    @Override
    public void require(Optional<String> workspace, Kind kind, String id, Supplier<OspreyException> notFound) {
        if (workspace.isEmpty()) {
            return;
        }
        Optional<String> actual = Optional.ofNullable(workspacesOf(kind, List.of(id)).get(id));
        if (actual.isPresent() && !actual.get().equals(workspace.get())) {
            throw notFound.get();
        }
    }

    @Override
    public List<String> keep(Optional<String> workspace, Kind kind, List<String> ids) {
        if (workspace.isEmpty()) {
            return ids;
        }
        Map<String, String> found = workspacesOf(kind, ids);
        return ids.stream().filter(id -> workspace.get().equals(found.get(id))).toList();
    }

    @Override
    public void assign(Optional<String> workspace, Kind kind, String id) {
        if (workspace.isEmpty() || workspace.get().equals(WorkspaceStore.DEFAULT)) {
            return; // the column's default
        }
        store.assign(kind, id, workspace.get());
        resources.put(key(kind, id), new Cached<>(workspace.get(), clock.getAsLong() + CACHE_MS, generation.get()));
    }

    @Override
    public void requireDefault(Optional<String> workspace, Supplier<OspreyException> notFound) {
        if (workspace.isPresent() && !workspace.get().equals(WorkspaceStore.DEFAULT)) {
            throw notFound.get();
        }
    }

    private static String key(Kind kind, String id) {
        return kind.name() + "\u0000" + id;
    }

    /** The workspace of each known resource, from the cache or one query for the rest. */
    private Map<String, String> workspacesOf(Kind kind, List<String> ids) {
        long now = clock.getAsLong();
        long gen = generation.get();
        Map<String, String> out = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            Cached<String> c = resources.get(key(kind, id));
            if (c != null && c.expiresAt() > now && c.generation() == gen) {
                out.put(id, c.value());
            } else {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            Map<String, String> fetched = store.workspacesOf(kind, missing);
            if (resources.size() > CACHE_LIMIT) {
                resources.clear();
            }
            // Only known resources are remembered: one created a moment later must not look absent.
            fetched.forEach((id, ws) -> resources.put(key(kind, id), new Cached<>(ws, now + CACHE_MS, gen)));
            out.putAll(fetched);
        }
        return out;
    }

    @Override
    public ProxiedPaths proxiedPaths() {
        long now = clock.getAsLong();
        long gen = generation.get();
        Cached<ProxiedPaths> c = proxied;
        if (c.expiresAt() > now && c.generation() == gen) {
            return c.value();
        }
        Map<String, List<String>> roots = new HashMap<>();
        for (Workspace w : store.list()) {
            if (!w.name().equals(WorkspaceStore.DEFAULT)) {
                w.defaultArtifactRoot().flatMap(dev.osprey.server.locations.LocationRules::proxied)
                        .ifPresent(segments -> roots.put(w.name(), segments));
            }
        }
        ProxiedPaths paths = new ProxiedPaths(roots);
        proxied = new Cached<>(paths, now + CACHE_MS, gen);
        return paths;
    }

    // --- management

    public List<Workspace> list() {
        return store.list();
    }

    public Workspace get(String name) {
        return store.get(name).orElseThrow(() -> notFound(name));
    }

    public Workspace create(String name, String description, Optional<String> defaultArtifactRoot) {
        validateName(name);
        defaultArtifactRoot.ifPresent(root -> validateRoot(name, root));
        Workspace created = new Workspace(name, description, defaultArtifactRoot, clock.getAsLong());
        store.create(created);
        generation.incrementAndGet();
        return created;
    }

    public Workspace update(String name, Optional<String> description, Optional<String> defaultArtifactRoot) {
        defaultArtifactRoot.filter(r -> !r.isEmpty()).ifPresent(root -> validateRoot(name, root));
        if (defaultArtifactRoot.isPresent()) {
            keepProxiedRoot(get(name), defaultArtifactRoot.filter(r -> !r.isEmpty()));
        }
        Workspace updated = store.update(name, description, defaultArtifactRoot);
        generation.incrementAndGet();
        return updated;
    }

    /**
     * A workspace root passes the checks an experiment's location does (it becomes theirs), and shares no files with
     * another workspace.
     */
    private void validateRoot(String name, String root) {
        locations.requireUsable(root);
        trees.requireRoot(name, root, store.list());
    }

    /**
     * Under the proxy a path belongs to the workspace whose root holds it now; a workspace whose experiments live
     * under its own proxied root keeps that root, or their files would no longer be theirs.
     */
    private void keepProxiedRoot(Workspace current, Optional<String> next) {
        Optional<String> old = current.defaultArtifactRoot().filter(r -> dev.osprey.server.locations.LocationRules
                .proxied(r).isPresent());
        if (old.isEmpty() || old.equals(next)) {
            return;
        }
        boolean hasExperiments = !tracking.searchExperiments(new dev.osprey.store.ExperimentQuery(List.of(),
                List.of(), dev.osprey.core.ViewType.ALL, 1, Optional.empty(), Optional.of(current.name())))
                .items().isEmpty();
        if (hasExperiments) {
            throw new OspreyException(dev.osprey.core.ErrorCode.RESOURCE_CONFLICT, "Workspace '" + current.name()
                    + "' keeps its experiments' files under its root '" + old.get() + "' on this server's artifact "
                    + "proxy, which then finds them by that root: it cannot change while the workspace has "
                    + "experiments. Delete them (and run osprey gc) first, or keep the root.");
        }
    }

    public void delete(String name, DeletionMode mode) {
        store.delete(name, mode);
        generation.incrementAndGet();
    }
}
