package dev.osprey.server.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.gateway.GatewayConfigService;
import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.protocol.Json;
import dev.osprey.server.guardrails.Guardrail.Action;
import dev.osprey.server.guardrails.Guardrail.Attachment;
import dev.osprey.server.guardrails.Guardrail.Stage;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.GatewayStore.GatewayDocument;
import dev.osprey.store.PageTokens;
import dev.osprey.store.ScorerStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * Guardrails and their attachments to endpoints, stored as gateway configuration documents (kinds
 * {@value #KIND} and {@value #ATTACHMENT}, each in its workspace). The gateway asks {@link #forEndpoint} on every
 * call, so that answer is a snapshot rebuilt after each change here, and re-read in the background every few seconds
 * for other servers' changes.
 */
final class GuardrailCatalog {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GuardrailCatalog.class);
    static final String KIND = "guardrail";
    static final String ATTACHMENT = "guardrail_config";
    private static final long RELOAD_MS = 5_000;
    private final GatewayStore store;
    private final ScorerStore scorers;
    private final GatewayConfigService gateway;
    private final Clock clock;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Long.MIN_VALUE);
    private final java.util.concurrent.atomic.AtomicBoolean reloading = new java.util.concurrent.atomic.AtomicBoolean();

    /** The guardrails of each endpoint in execution order, and when that was read. */
    private record Snapshot(Map<String, List<Guardrail>> byEndpoint, long loadedAt) {}

    GuardrailCatalog(GatewayStore store, ScorerStore scorers, GatewayConfigService gateway, Clock clock) {
        this.store = store;
        this.scorers = scorers;
        this.gateway = gateway;
        this.clock = clock;
    }

    ScorerStore scorers() {
        return scorers;
    }

    Guardrail create(String workspace, JsonNode m, Optional<String> user) {
        String name = m.path("name").asText("");
        String scorerId = m.path("scorer_id").asText("");
        if (name.isBlank()) {
            throw OspreyException.invalid("Missing value for required parameter 'name'.");
        }
        if (scorerId.isBlank()) {
            throw OspreyException.invalid("Missing value for required parameter 'scorer_id'.");
        }
        JsonNode version = m.path("scorer_version");
        if (!version.canConvertToInt() || version.isBoolean() || (version.isTextual()
                && !version.asText().matches("[0-9]+"))) {
            throw OspreyException.invalid("Missing or invalid value for required parameter 'scorer_version'.");
        }
        int scorerVersion = version.asInt();
        Stage stage = Guardrail.parse(Stage.class, m.path("stage"), "stage");
        Action action = Guardrail.parse(Action.class, m.path("action"), "action");
        scorers.byId(scorerId, scorerVersion).orElseThrow(() -> OspreyException.notFound("Scorer version not found "
                + "(scorer_id='" + scorerId + "', scorer_version='" + scorerVersion + "')"));
        Optional<String> actionEndpoint = Optional.of(m.path("action_endpoint_id").asText("")).filter(s -> !s.isBlank())
                .map(id -> endpoint(workspace, id).endpoint().endpointId());
        if (action == Action.SANITIZATION && actionEndpoint.isEmpty()) {
            throw OspreyException.invalid("A SANITIZATION guardrail needs 'action_endpoint_id': the endpoint whose "
                    + "model rewrites what the judge fails.");
        }
        long now = clock.millis();
        Guardrail g = new Guardrail("gr-" + UUID.randomUUID().toString().replace("-", ""), name, scorerId,
                scorerVersion, stage, action, actionEndpoint, user, now, now, workspace);
        store.insert(new GatewayDocument(KIND, g.guardrailId(), g.guardrailId(), g.body(), now, now, workspace));
        changed();
        return g;
    }

    /** An endpoint of the workspace by id (or by name, as MLflow's callers sometimes send it). */
    ResolvedEndpoint endpoint(String workspace, String idOrName) {
        List<ResolvedEndpoint> all = gateway.snapshot().all();
        return all.stream().filter(e -> e.endpoint().endpointId().equals(idOrName)
                        && e.endpoint().workspace().equals(workspace)).findFirst()
                .or(() -> gateway.endpoint(workspace, idOrName))
                .orElseThrow(() -> OspreyException.notFound("Endpoint not found (endpoint_id='" + idOrName + "')"));
    }

    /** The name of the workspace's endpoint with this id, while it exists. */
    Optional<String> endpointName(String workspace, String endpointId) {
        return gateway.snapshot().all().stream().map(ResolvedEndpoint::endpoint)
                .filter(e -> e.endpointId().equals(endpointId) && e.workspace().equals(workspace))
                .map(dev.osprey.gateway.config.GatewayEndpoint::name).findFirst();
    }

    Guardrail get(String workspace, String id) {
        return find(workspace, id).orElseThrow(() -> OspreyException.notFound("Guardrail not found (guardrail_id='"
                + id + "')"));
    }

    Optional<Guardrail> find(String workspace, String id) {
        return store.get(KIND, id).filter(d -> d.workspace().equals(workspace)).map(GuardrailCatalog::guardrail);
    }

    private static Guardrail guardrail(GatewayDocument d) {
        return Guardrail.of(d.id(), d.workspace(), parse(d.body()));
    }

    private static JsonNode parse(String body) {
        try {
            return Json.read(body);
        } catch (IOException e) {
            throw new IllegalStateException("A stored guardrail document is not JSON", e);
        }
    }

    /** The workspace's guardrails by id, a page at a time (MLflow orders them so). */
    Page<Guardrail> list(String workspace, int maxResults, Optional<String> pageToken) {
        int offset = PageTokens.offsetOf(pageToken);
        List<Guardrail> all = store.list(KIND).stream().filter(d -> d.workspace().equals(workspace))
                .map(GuardrailCatalog::guardrail).sorted(Comparator.comparing(Guardrail::guardrailId)).toList();
        List<Guardrail> page = all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + maxResults));
        return new Page<>(page, offset + maxResults < all.size()
                ? Optional.of(PageTokens.offset(offset + maxResults)) : Optional.empty());
    }

    /** Deletes it and detaches it from every endpoint. */
    void delete(String workspace, String id) {
        get(workspace, id);
        for (GatewayDocument d : store.list(ATTACHMENT)) {
            if (d.name().endsWith("|" + id)) {
                store.delete(ATTACHMENT, d.id());
            }
        }
        store.delete(KIND, id);
        changed();
    }

    Attachment attach(String workspace, String endpointId, String guardrailId, OptionalInt order,
            Optional<String> user) {
        String endpoint = endpoint(workspace, endpointId).endpoint().endpointId();
        get(workspace, guardrailId);
        String id = Attachment.id(endpoint, guardrailId);
        String name = Attachment.name(endpoint, guardrailId);
        if (store.get(ATTACHMENT, id).isPresent()) {
            throw OspreyException.alreadyExists("Guardrail '" + guardrailId + "' is already added to endpoint '"
                    + endpointId + "'");
        }
        long now = clock.millis();
        Attachment a = new Attachment(endpoint, guardrailId, order, user, now, workspace);
        store.insert(new GatewayDocument(ATTACHMENT, id, name, a.body(), now, now, workspace));
        changed();
        return a;
    }

    void detach(String workspace, String endpointId, String guardrailId) {
        attachment(workspace, endpointId, guardrailId);
        store.delete(ATTACHMENT, Attachment.id(endpointId, guardrailId));
        changed();
    }

    Attachment reorder(String workspace, String endpointId, String guardrailId, OptionalInt order) {
        Attachment before = attachment(workspace, endpointId, guardrailId);
        Attachment after = new Attachment(before.endpointId(), before.guardrailId(), order, before.createdBy(),
                before.createdAt(), workspace);
        long now = clock.millis();
        store.update(new GatewayDocument(ATTACHMENT, Attachment.id(endpointId, guardrailId),
                Attachment.name(endpointId, guardrailId), after.body(), before.createdAt(), now, workspace));
        changed();
        return after;
    }

    private Attachment attachment(String workspace, String endpointId, String guardrailId) {
        return store.get(ATTACHMENT, Attachment.id(endpointId, guardrailId)).filter(d -> d.workspace()
                .equals(workspace)).map(d -> Attachment.of(d.workspace(), parse(d.body())))
                .orElseThrow(() -> OspreyException.notFound("Guardrail config not found (endpoint_id='" + endpointId
                        + "', guardrail_id='" + guardrailId + "')"));
    }

    /** The endpoint's attachments in execution order. */
    List<Attachment> attachments(String workspace, String endpointId) {
        String endpoint = endpoint(workspace, endpointId).endpoint().endpointId();
        return store.list(ATTACHMENT).stream().filter(d -> d.workspace().equals(workspace)
                && d.name().startsWith(endpoint + "|")).map(d -> Attachment.of(d.workspace(), parse(d.body())))
                .sorted(Attachment.ORDER).toList();
    }

    /** What the gateway runs for a call to the endpoint, in order. */
    List<Guardrail> forEndpoint(String endpointId) {
        Snapshot s = snapshot;
        if (s.loadedAt() == Long.MIN_VALUE) {
            s = reload(); // never read yet (a fresh start): guardrails must hold from the first call
        }
        // An old snapshot (other servers' changes) is re-read off the call's path: this call and those during the
        // read use the current one, and no gateway call waits for the database.
        if (clock.millis() - s.loadedAt() > RELOAD_MS && reloading.compareAndSet(false, true)) {
            Thread.ofVirtual().name("osprey-guardrails-reload").start(() -> {
                try {
                    reload();
                } catch (RuntimeException e) {
                    LOG.warn("Reloading the gateway's guardrails failed; the last ones read stay in force: {}",
                            e.toString());
                } finally {
                    reloading.set(false);
                }
            });
        }
        return s.byEndpoint().getOrDefault(endpointId, List.of());
    }

    private void changed() {
        reload();
    }

    private synchronized Snapshot reload() {
        Map<String, Guardrail> guardrails = new HashMap<>();
        store.list(KIND).forEach(d -> guardrails.put(d.id(), guardrail(d)));
        List<Attachment> attachments = new ArrayList<>();
        store.list(ATTACHMENT).forEach(d -> attachments.add(Attachment.of(d.workspace(), parse(d.body()))));
        attachments.sort(Attachment.ORDER);
        Map<String, List<Guardrail>> byEndpoint = new HashMap<>();
        for (Attachment a : attachments) {
            Guardrail g = guardrails.get(a.guardrailId());
            if (g != null) {
                byEndpoint.computeIfAbsent(a.endpointId(), k -> new ArrayList<>()).add(g);
            }
        }
        byEndpoint.replaceAll((k, v) -> List.copyOf(v));
        Snapshot s = new Snapshot(Map.copyOf(byEndpoint), clock.millis());
        snapshot = s;
        return s;
    }
}
