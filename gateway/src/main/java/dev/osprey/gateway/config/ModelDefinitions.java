package dev.osprey.gateway.config;

import static dev.osprey.gateway.config.ConfigDocuments.MODEL;
import static dev.osprey.gateway.config.ConfigFields.given;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.provider.Providers;
import dev.osprey.protocol.Message;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Model definitions: a provider, a model name and the secret that pays for it. */
public final class ModelDefinitions {
    private final ConfigDocuments docs;
    private final GatewaySecrets secrets;

    public ModelDefinitions(ConfigDocuments docs, GatewaySecrets secrets) {
        this.docs = docs;
        this.secrets = secrets;
    }

    /** The wire form, with the secret's name. */
    public ObjectNode json(ModelDefinition d) {
        return GatewayCodec.modelDefinition(d, secrets::nameOf);
    }

    public ModelDefinition create(Message m) {
        String name = ConfigFields.name(m, "name");
        String secretId = m.requiredString("secret_id");
        secrets.byId(secretId);
        String provider = m.requiredString("provider").toLowerCase(Locale.ROOT);
        Providers.adapter(provider);
        String modelName = m.requiredString("model_name");
        String id = ConfigDocuments.newId("md-");
        long now = docs.now();
        ModelDefinition d = new ModelDefinition(id, name, secretId, provider, modelName,
                Audit.created(now, m.string("created_by")));
        docs.insert(MODEL, id, name, GatewayCodec.storedModelDefinition(d), now);
        return d;
    }

    public ModelDefinition get(String id) {
        return docs.require(MODEL, id, "GatewayModelDefinition", "model_definition_id",
                GatewayCodec::modelDefinitionFromStore);
    }

    public Optional<ModelDefinition> find(String id) {
        return docs.find(MODEL, id, GatewayCodec::modelDefinitionFromStore);
    }

    public ModelDefinition update(Message m) {
        ModelDefinition current = get(m.requiredString("model_definition_id"));
        String secretId = given(m, "secret_id").orElse(current.secretId());
        secrets.byId(secretId);
        String provider = given(m, "provider").map(p -> p.toLowerCase(Locale.ROOT)).orElse(current.provider());
        Providers.adapter(provider);
        ModelDefinition next = new ModelDefinition(current.modelDefinitionId(),
                given(m, "name").orElse(current.name()), secretId, provider,
                given(m, "model_name").orElse(current.modelName()),
                current.audit().updated(docs.now(), m.string("updated_by")));
        docs.update(MODEL, next.modelDefinitionId(), next.name(), GatewayCodec.storedModelDefinition(next),
                next.audit());
        return next;
    }

    /** Refused while an endpoint uses it. */
    public void delete(String id) {
        get(id);
        List<String> users = docs.endpoints().stream().filter(e -> e.mappings().stream()
                .anyMatch(mm -> mm.modelDefinitionId().equals(id))).map(GatewayEndpoint::name).toList();
        docs.deleteUnlessUsed(MODEL, id, users, "Model definition " + id + " is used by endpoints",
                "detach it first.");
    }

    /** Filtered by {@code provider} and {@code secret_id} when given. */
    public List<ModelDefinition> list(Message m) {
        Optional<String> provider = given(m, "provider");
        Optional<String> secretId = given(m, "secret_id");
        return docs.modelDefinitions().stream()
                .filter(d -> provider.isEmpty() || provider.get().equalsIgnoreCase(d.provider()))
                .filter(d -> secretId.isEmpty() || secretId.get().equals(d.secretId())).toList();
    }
}
