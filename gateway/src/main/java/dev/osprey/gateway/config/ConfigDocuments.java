package dev.osprey.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.GatewayStore.GatewayDocument;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * The gateway's configuration documents in {@link GatewayStore}, one kind per aggregate, and the signal that one
 * changed (the invocation snapshot is rebuilt on it). Every aggregate reads and writes through this one place.
 */
public final class ConfigDocuments {
    static final String SECRET = "secret";
    static final String MODEL = "model_definition";
    static final String ENDPOINT = "endpoint";
    static final String BUDGET = "budget_policy";
    static final String BINDING = "endpoint_binding";
    /** Where {@link #parse} puts a document's workspace for the decoders (the row holds it, not the body). */
    static final String WORKSPACE_FIELD = "_workspace";

    private final GatewayStore store;
    private final Clock clock;
    private final Runnable changed;

    /** @param changed run after every successful write that invocations must see */
    public ConfigDocuments(GatewayStore store, Clock clock, Runnable changed) {
        this.store = store;
        this.clock = clock;
        this.changed = changed;
    }

    public List<GatewaySecret> secrets() {
        return list(SECRET, GatewayCodec::secretFromStore);
    }

    public List<ModelDefinition> modelDefinitions() {
        return list(MODEL, GatewayCodec::modelDefinitionFromStore);
    }

    public List<GatewayEndpoint> endpoints() {
        return list(ENDPOINT, GatewayCodec::endpointFromStore);
    }

    public List<BudgetPolicy> budgets() {
        return list(BUDGET, GatewayCodec::budgetFromStore);
    }

    GatewayStore store() {
        return store;
    }

    long now() {
        return clock.millis();
    }

    void changed() {
        changed.run();
    }

    /** Stores a new document of the default workspace and signals the change. */
    void insert(String kind, String id, String name, String body, long now) {
        insert(kind, id, name, body, now, dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    /** Stores a new document in a workspace and signals the change. */
    void insert(String kind, String id, String name, String body, long now, String workspace) {
        store.insert(new GatewayDocument(kind, id, name, body, now, now, workspace));
        changed();
    }

    /** Replaces a document (its times from {@code audit}) and signals the change. */
    void update(String kind, String id, String name, String body, Audit audit) {
        store.update(new GatewayDocument(kind, id, name, body, audit.createdAt(), audit.updatedAt()));
        changed();
    }

    <T> List<T> list(String kind, Function<JsonNode, T> decode) {
        return store.list(kind).stream().map(d -> decode.apply(parse(d))).toList();
    }

    <T> Optional<T> find(String kind, String id, Function<JsonNode, T> decode) {
        return store.get(kind, id).map(d -> decode.apply(parse(d)));
    }

    /** The document of {@code kind} with that id, or MLflow's not-found naming the entity and the field. */
    <T> T require(String kind, String id, String entity, String field, Function<JsonNode, T> decode) {
        return find(kind, id, decode).orElseThrow(() -> notFound(entity, field, id));
    }

    /**
     * The document a request names by id ({@code idField}), else by name ({@code nameField}) in the workspace;
     * missing both is the id's missing-parameter error, an unknown one MLflow's not-found naming the field.
     */
    <T> T byIdOrName(Message m, String kind, String entity, String idField, String nameField, String workspace,
            Function<JsonNode, T> decode) {
        Optional<GatewayDocument> doc = ConfigFields.given(m, idField)
                .map(id -> store.get(kind, id).orElseThrow(() -> notFound(entity, idField, id)))
                .or(() -> ConfigFields.given(m, nameField).map(n -> store.byName(kind, workspace, n)
                        .orElseThrow(() -> notFound(entity, nameField, n))));
        return decode.apply(parse(doc.orElseThrow(() -> Message.missing(idField))));
    }

    /**
     * Deletes a document unless something still uses it, then signals the change.
     *
     * @param users the names of what uses it; when not empty the delete is refused with {@code refusal} + the names
     */
    void deleteUnlessUsed(String kind, String id, List<String> users, String refusal, String whatToDo) {
        if (!users.isEmpty()) {
            throw OspreyException.invalid(refusal + " " + users + "; " + whatToDo);
        }
        store.delete(kind, id);
        changed();
    }

    /** The document's body, with its workspace under {@link #WORKSPACE_FIELD} for the decoders. */
    static JsonNode parse(GatewayDocument d) {
        try {
            JsonNode body = Json.read(d.body());
            if (body instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
                object.put(WORKSPACE_FIELD, d.workspace());
            }
            return body;
        } catch (IOException e) {
            throw new OspreyException(ErrorCode.INTERNAL_ERROR, "Stored gateway " + d.kind() + " " + d.id()
                    + " is not JSON.", e);
        }
    }

    static OspreyException notFound(String entity, String field, String value) {
        return OspreyException.notFound(entity + " with " + field + "='" + value + "' not found");
    }

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }
}
