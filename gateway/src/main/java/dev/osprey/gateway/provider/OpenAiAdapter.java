package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI's wire format, spoken by OpenAI itself, Azure OpenAI (deployment URLs, {@code api-key} header), Mistral,
 * Ollama and any OpenAI-compatible base URL. Requests pass through with {@code model} replaced; stream events pass
 * through byte for byte, parsed only when they carry usage.
 */
public final class OpenAiAdapter implements ProviderAdapter {
    private static final String AZURE_API_VERSION = "2024-06-01";
    private final String defaultBase;
    private final boolean azure;
    private final boolean keyRequired;

    /**
     * @param defaultBase the API base when the secret's auth config names none (empty: it must name one)
     * @param azure Azure OpenAI's deployment URLs and key header
     */
    public OpenAiAdapter(String defaultBase, boolean azure, boolean keyRequired) {
        this.defaultBase = defaultBase;
        this.azure = azure;
        this.keyRequired = keyRequired;
    }

    @Override
    public boolean supports(Operation operation) {
        return true;
    }

    private boolean azure(Target t) {
        String type = t.setting("api_type").orElse("").toLowerCase(Locale.ROOT);
        return azure || type.equals("azure") || type.equals("azuread");
    }

    URI uri(Operation op, Target t) {
        String base = t.apiBase(defaultBase);
        if (base.isEmpty()) {
            throw new ProviderException(400, "Provider " + t.provider() + " needs an api_base in the secret's "
                    + "auth_config.", false);
        }
        if (azure(t)) {
            String deployment = t.setting("deployment_name").orElse(t.modelName());
            String version = t.setting("api_version").orElse(AZURE_API_VERSION);
            return URI.create(base + "/openai/deployments/" + URLEncoder.encode(deployment, StandardCharsets.UTF_8)
                    + "/" + op.openAiPath() + "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
        }
        return URI.create(base + "/" + op.openAiPath());
    }

    Map<String, String> headers(Target t) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        Optional<String> key = t.apiKey();
        if (key.isEmpty() && keyRequired) {
            throw new ProviderException(400, "The secret for " + t.provider() + " has no api_key.", false);
        }
        if (azure(t) && !t.setting("api_type").orElse("").equalsIgnoreCase("azuread")) {
            key.ifPresent(k -> headers.put("api-key", k));
        } else {
            key.ifPresent(k -> headers.put("Authorization", "Bearer " + k));
        }
        t.setting("organization").ifPresent(o -> headers.put("OpenAI-Organization", o));
        return headers;
    }

    @Override
    public UpstreamRequest request(Operation op, ObjectNode body, Target t, boolean stream) {
        ObjectNode out = body.deepCopy();
        if (azure(t)) {
            out.remove("model");
        } else {
            out.put("model", t.modelName());
        }
        if (stream) {
            out.put("stream", true);
            if (op != Operation.EMBEDDINGS) {
                ObjectNode options = out.has("stream_options") && out.get("stream_options").isObject()
                        ? (ObjectNode) out.get("stream_options") : out.putObject("stream_options");
                options.put("include_usage", true);
            }
        } else if (out.has("stream")) {
            out.put("stream", false);
        }
        return new UpstreamRequest(uri(op, t), headers(t), Json.write(out));
    }

    @Override
    public boolean repliesInOpenAiShape() {
        return true;
    }

    @Override
    public ObjectNode response(Operation op, JsonNode upstream, Target t) {
        if (!upstream.isObject()) {
            throw new ProviderException(502, "Provider " + t.provider() + " answered with a non-object body.", true);
        }
        return (ObjectNode) upstream;
    }

    @Override
    public StreamTranslator stream(Operation op, Target t, boolean clientAskedForUsage) {
        return new StreamTranslator() {
            private Usage usage = Usage.NONE;

            @Override
            public List<String> onEvent(String event, String data) {
                if (data.equals("[DONE]")) {
                    return List.of();
                }
                // Most chunks carry "usage":null or nothing; parse only those with a usage object.
                if (data.contains("\"usage\":{") || data.contains("\"usage\": {")) {
                    try {
                        JsonNode chunk = Json.read(data);
                        JsonNode u = chunk.path("usage");
                        usage = new Usage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong());
                        if (!clientAskedForUsage && chunk.path("choices").isEmpty()) {
                            return List.of();
                        }
                    } catch (IOException e) {
                        throw new ProviderException(502, "Provider " + t.provider() + " sent a malformed stream "
                                + "event.", false);
                    }
                }
                return List.of(data);
            }

            @Override
            public Usage usage() {
                return usage;
            }
        };
    }
}
