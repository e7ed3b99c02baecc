package dev.osprey.server.gateway;

import static dev.osprey.server.auth.Access.authenticated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.provider.ProviderAuth;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.traces.ModelPrices;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The gateway's discovery routes MLflow's UI uses to set up providers: {@code provider-config} (the fields a secret
 * needs, per provider, from what Osprey's adapters read) and {@code supported-models} (the models Osprey's price
 * table lists with their provider; MLflow lists LiteLLM's catalog, which also carries capability flags that
 * Osprey does not claim).
 */
public final class ProviderCatalogRoutes {
    private static final String G = "/mlflow/gateway";
    private final ModelPrices prices;

    public ProviderCatalogRoutes(ModelPrices prices) {
        this.prices = prices;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("GET", G + "/provider-config", 3, ProviderCatalogRoutes::providerConfig)
                        .requires(authenticated()),
                new Endpoint("GET", G + "/supported-models", 3, this::supportedModels).requires(authenticated()));
    }

    private static JsonNode providerConfig(ApiRequest r) {
        String provider = r.message().string("provider").filter(s -> !s.isBlank()).orElseThrow(() ->
                dev.osprey.core.OspreyException.invalid("Provider parameter is required"));
        List<ProviderAuth.Mode> modes = ProviderAuth.modes(provider);
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("auth_modes");
        for (ProviderAuth.Mode m : modes) {
            ObjectNode mode = array.addObject().put("mode", m.mode()).put("display_name", m.displayName())
                    .put("description", m.description());
            ArrayNode secret = mode.putArray("secret_fields");
            ArrayNode config = mode.putArray("config_fields");
            for (ProviderAuth.Field f : m.fields()) {
                (f.secret() ? secret : config).addObject().put("name", f.name()).put("type", "string")
                        .put("description", f.description()).put("required", f.required());
            }
        }
        return out.put("default_mode", modes.getFirst().mode());
    }

    private JsonNode supportedModels(ApiRequest r) {
        Optional<String> provider = r.message().string("provider").filter(s -> !s.isBlank())
                .map(s -> s.toLowerCase(Locale.ROOT));
        ObjectNode out = Json.object();
        ArrayNode models = out.putArray("models");
        for (ModelPrices.Listing l : prices.catalog()) {
            if (provider.isEmpty() || provider.get().equals(l.provider())) {
                models.addObject().put("model", l.model()).put("provider", l.provider()).put("mode", l.mode())
                        .put("input_cost_per_token", l.price().inputPerMillion() / 1_000_000)
                        .put("output_cost_per_token", l.price().outputPerMillion() / 1_000_000);
            }
        }
        return out;
    }
}
