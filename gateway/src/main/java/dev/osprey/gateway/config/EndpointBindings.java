package dev.osprey.gateway.config;

import static dev.osprey.gateway.config.ConfigDocuments.BINDING;
import static dev.osprey.gateway.config.ConfigFields.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.store.GatewayStore.GatewayDocument;
import java.util.List;
import java.util.Optional;

/**
 * Which MLflow resources (a scorer job, for instance) call an endpoint. A binding's name is
 * {@code endpoint|type|resource}, its id that name hashed (the three side by side overflow the 64-character id
 * column on PostgreSQL and MariaDB), and its body its wire form.
 */
public final class EndpointBindings {
    private final ConfigDocuments docs;

    public EndpointBindings(ConfigDocuments docs) {
        this.docs = docs;
    }

    /** Binds an existing endpoint to a resource. */
    public JsonNode create(Message m) {
        String endpointId = m.requiredString("endpoint_id");
        docs.require(ConfigDocuments.ENDPOINT, endpointId, "GatewayEndpoint", "endpoint_id",
                GatewayCodec::endpointFromStore);
        String type = m.requiredString("resource_type");
        String resourceId = m.requiredString("resource_id");
        long now = docs.now();
        ObjectNode binding = Json.object().put("endpoint_id", endpointId).put("resource_type", type)
                .put("resource_id", resourceId).put("created_at", now).put("last_updated_at", now);
        m.string("created_by").ifPresent(by -> binding.put("created_by", by).put("last_updated_by", by));
        String name = endpointId + "|" + type + "|" + resourceId;
        docs.store().insert(new GatewayDocument(BINDING, id(name), name, Json.writeString(binding), now, now));
        return binding;
    }

    private static String id(String name) {
        return "eb-" + java.util.HexFormat.of().formatHex(dev.osprey.core.Sha256.of(name), 0, 16);
    }

    public void delete(Message m) {
        String name = m.requiredString("endpoint_id") + "|" + m.requiredString("resource_type") + "|"
                + m.requiredString("resource_id");
        // Bindings stored before ids were hashed (on SQLite, which let long ids in) keep the name as their id.
        if (!docs.store().delete(BINDING, id(name)) && !docs.store().delete(BINDING, name)) {
            throw OspreyException.notFound("No binding of endpoint " + m.requiredString("endpoint_id") + " to "
                    + m.requiredString("resource_type") + " " + m.requiredString("resource_id") + ".");
        }
    }

    void deleteAllOf(String endpointId) {
        docs.store().list(BINDING).stream().filter(d -> d.name().startsWith(endpointId + "|"))
                .forEach(d -> docs.store().delete(BINDING, d.id()));
    }

    /** Filtered by any of endpoint id, resource type and resource id. */
    public List<JsonNode> list(Message m) {
        Optional<String> endpointId = given(m, "endpoint_id");
        Optional<String> type = given(m, "resource_type");
        Optional<String> resourceId = given(m, "resource_id");
        return docs.list(BINDING, b -> b).stream()
                .filter(b -> endpointId.isEmpty() || endpointId.get().equals(b.path("endpoint_id").asText()))
                .filter(b -> type.isEmpty() || type.get().equals(b.path("resource_type").asText()))
                .filter(b -> resourceId.isEmpty() || resourceId.get().equals(b.path("resource_id").asText()))
                .toList();
    }
}
