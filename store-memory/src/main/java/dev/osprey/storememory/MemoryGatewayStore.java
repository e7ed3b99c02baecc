package dev.osprey.storememory;

import dev.osprey.core.OspreyException;
import dev.osprey.store.AuthStore;
import dev.osprey.store.GatewayStore;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** {@link GatewayStore} on the in-memory tables; a document's workspace is kept with the other resources'. */
final class MemoryGatewayStore implements GatewayStore {
    private static final long DAY_MS = 86_400_000L;

    private final MemoryDatabase db;

    MemoryGatewayStore(MemoryDatabase db) {
        this.db = db;
    }

    private Map<String, GatewayDocument> ofKind(String kind) {
        return db.gatewayDocuments.computeIfAbsent(kind, k -> new LinkedHashMap<>());
    }

    /** The document with its current workspace (documents move when a workspace is deleted with SET_DEFAULT). */
    private GatewayDocument current(GatewayDocument d) {
        return new GatewayDocument(d.kind(), d.id(), d.name(), d.body(), d.createdAt(), d.updatedAt(),
                MemoryWorkspaceStore.kindOfDocument(d.kind()).map(k -> db.workspaces(k).getOrDefault(d.id(),
                        dev.osprey.store.WorkspaceStore.DEFAULT)).orElse(d.workspace()));
    }

    private static String label(String kind) {
        return kind.replace('_', ' ');
    }

    @Override
    public void insert(GatewayDocument d) {
        db.locked(() -> {
            Map<String, GatewayDocument> docs = ofKind(d.kind());
            if (docs.containsKey(d.id()) || docs.values().stream().map(this::current).anyMatch(o -> o.name()
                    .equals(d.name()) && o.workspace().equals(d.workspace()))) {
                throw OspreyException.alreadyExists("A " + label(d.kind()) + " named '" + d.name()
                        + "' already exists.");
            }
            docs.put(d.id(), d);
            MemoryWorkspaceStore.kindOfDocument(d.kind()).ifPresent(k -> db.workspaces(k).put(d.id(), d.workspace()));
        });
    }

    @Override
    public void update(GatewayDocument document) {
        updateAll(List.of(document));
    }

    @Override
    public void updateAll(List<GatewayDocument> documents) {
        db.locked(() -> {
            for (GatewayDocument d : documents) {
                Map<String, GatewayDocument> docs = ofKind(d.kind());
                if (!docs.containsKey(d.id())) {
                    throw OspreyException.notFound("No " + label(d.kind()) + " with id " + d.id() + ".");
                }
                String workspace = current(docs.get(d.id())).workspace();
                if (docs.values().stream().map(this::current).anyMatch(o -> !o.id().equals(d.id())
                        && o.name().equals(d.name()) && o.workspace().equals(workspace))) {
                    throw OspreyException.alreadyExists("Another " + label(documents.get(0).kind())
                            + " already has that name.");
                }
            }
            for (GatewayDocument d : documents) {
                GatewayDocument old = ofKind(d.kind()).get(d.id());
                ofKind(d.kind()).put(d.id(), new GatewayDocument(d.kind(), d.id(), d.name(), d.body(),
                        old.createdAt(), d.updatedAt(), old.workspace()));
            }
        });
    }

    @Override
    public Optional<GatewayDocument> get(String kind, String id) {
        return db.locked(() -> Optional.ofNullable(ofKind(kind).get(id)).map(this::current));
    }

    @Override
    public Optional<GatewayDocument> byName(String kind, String workspace, String name) {
        return db.locked(() -> ofKind(kind).values().stream().map(this::current)
                .filter(d -> d.name().equals(name) && d.workspace().equals(workspace)).findFirst());
    }

    @Override
    public List<GatewayDocument> list(String kind) {
        return db.locked(() -> ofKind(kind).values().stream().sorted(Comparator.comparingLong(
                GatewayDocument::createdAt).thenComparing(GatewayDocument::id)).map(this::current).toList());
    }

    @Override
    public boolean delete(String kind, String id) {
        return db.locked(() -> {
            grantType(kind).ifPresent(type -> db.forgetGrants(type, id));
            return ofKind(kind).remove(id) != null;
        });
    }

    /** Grants on a gateway document ({@code secret}, {@code model_definition}, {@code endpoint}) go with it. */
    private static Optional<AuthStore.ResourceType> grantType(String kind) {
        return switch (kind) {
            case "secret" -> Optional.of(AuthStore.ResourceType.GATEWAY_SECRET);
            case "model_definition" -> Optional.of(AuthStore.ResourceType.GATEWAY_MODEL_DEFINITION);
            case "endpoint" -> Optional.of(AuthStore.ResourceType.GATEWAY_ENDPOINT);
            default -> Optional.empty();
        };
    }

    @Override
    public void recordUsage(List<GatewayUsage> usage) {
        db.locked(() -> {
            db.gatewayUsage.addAll(usage);
        });
    }

    @Override
    public List<UsageTotals> usage(UsageQuery q) {
        return db.locked(() -> {
            Map<String, long[]> counts = new TreeMap<>();
            Map<String, Double> costs = new TreeMap<>();
            for (GatewayUsage u : db.gatewayUsage) {
                if (u.timestampMs() < q.startMs() || u.timestampMs() >= q.endMs()
                        || q.endpointId().filter(id -> !id.equals(u.endpointId())).isPresent()
                        || q.user().filter(user -> !user.equals(u.user())).isPresent()
                        || q.workspace().filter(w -> !w.equals(u.workspace())).isPresent()) {
                    continue;
                }
                String key = switch (q.groupBy()) {
                    case ENDPOINT -> u.endpointName();
                    case USER -> u.user();
                    case DAY -> LocalDate.ofEpochDay(Math.floorDiv(u.timestampMs(), DAY_MS)).toString();
                    case PROVIDER -> u.provider();
                    case MODEL -> u.model();
                };
                long[] c = counts.computeIfAbsent(key, k -> new long[5]);
                c[0]++;
                c[1] += u.status() >= 400 ? 1 : 0;
                c[2] += u.inputTokens();
                c[3] += u.outputTokens();
                c[4] += u.latencyMs();
                costs.merge(key, u.cost(), Double::sum);
            }
            List<UsageTotals> out = new ArrayList<>();
            counts.forEach((key, c) -> out.add(new UsageTotals(key, c[0], c[1], c[2], c[3], costs.get(key), c[4])));
            out.sort(q.groupBy() == UsageGroup.DAY ? Comparator.comparing(UsageTotals::key)
                    : Comparator.comparingDouble(UsageTotals::cost).reversed()
                            .thenComparing(t -> t.key().toLowerCase(Locale.ROOT)));
            return out;
        });
    }
}
