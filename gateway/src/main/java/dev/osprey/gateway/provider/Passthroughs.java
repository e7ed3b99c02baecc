package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Provider-native passthrough routes ({@code /gateway/openai/v1/...}, {@code /gateway/anthropic/v1/messages},
 * {@code /gateway/gemini/v1beta/...}): the caller's body goes to the provider as it is, with the endpoint's model
 * and credentials, and the provider's answer comes back unchanged. Only usage is read out of it.
 */
public final class Passthroughs {
    private Passthroughs() {}

    /** The wire family a provider speaks: "openai", "anthropic" or "gemini". */
    public static String family(String provider) {
        String p = provider.toLowerCase(Locale.ROOT);
        return p.equals("anthropic") || p.equals("gemini") ? p : "openai";
    }

    public static UpstreamRequest request(Passthrough route, ObjectNode body, Target t, boolean stream) {
        ObjectNode out = body.deepCopy();
        switch (route.family()) {
            case "anthropic" -> {
                out.put("model", t.modelName());
                return new UpstreamRequest(AnthropicAdapter.uri(t), AnthropicAdapter.headers(t), Json.write(out));
            }
            case "gemini" -> {
                return new UpstreamRequest(GeminiAdapter.modelUri(t, GeminiAdapter.generateAction(stream)),
                        GeminiAdapter.headers(t), Json.write(out));
            }
            default -> {
                OpenAiAdapter adapter = (OpenAiAdapter) Providers.adapter(t.provider());
                out.put("model", t.modelName());
                URI chat = adapter.uri(Operation.CHAT, t);
                String uri = chat.toString().replace("/chat/completions", "/" + route.path());
                return new UpstreamRequest(URI.create(uri), adapter.headers(t), Json.write(out));
            }
        }
    }

    /** Usage in any provider's answer or stream event: OpenAI's, Anthropic's, the Responses API's or Gemini's. */
    public static Usage usage(JsonNode body) {
        for (JsonNode u : List.of(body.path("usage"), body.path("message").path("usage"),
                body.path("response").path("usage"))) {
            if (u.isObject()) {
                long in = u.has("prompt_tokens") ? u.path("prompt_tokens").asLong() : u.path("input_tokens").asLong();
                long out = u.has("completion_tokens") ? u.path("completion_tokens").asLong()
                        : u.path("output_tokens").asLong();
                return new Usage(in, out);
            }
        }
        JsonNode g = body.path("usageMetadata");
        if (g.isObject()) {
            return new Usage(g.path("promptTokenCount").asLong(), g.path("candidatesTokenCount").asLong());
        }
        return Usage.NONE;
    }

    /** Reads usage out of passthrough stream events (events themselves are forwarded unchanged). */
    public static StreamTranslator stream() {
        return new StreamTranslator() {
            private long in;
            private long out;

            @Override
            public List<String> onEvent(String event, String data) {
                if (data.contains("usage") || data.contains("usageMetadata")) {
                    try {
                        Usage u = Passthroughs.usage(Json.read(data));
                        in = Math.max(in, u.inputTokens());
                        out = Math.max(out, u.outputTokens());
                    } catch (IOException e) {
                        // not JSON ([DONE] and the like): nothing to count
                    }
                }
                return List.of(data);
            }

            @Override
            public Usage usage() {
                return new Usage(in, out);
            }
        };
    }
}
