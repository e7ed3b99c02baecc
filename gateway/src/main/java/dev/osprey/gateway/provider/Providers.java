package dev.osprey.gateway.provider;

import dev.osprey.core.OspreyException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The providers the gateway speaks, by the names model definitions use. */
public final class Providers {
    private static final Map<String, ProviderAdapter> ADAPTERS = new TreeMap<>(Map.ofEntries(
            Map.entry("openai", new OpenAiAdapter("https://api.openai.com/v1", false, true)),
            Map.entry("azure", new OpenAiAdapter("", true, true)),
            Map.entry("mistral", new OpenAiAdapter("https://api.mistral.ai/v1", false, true)),
            Map.entry("groq", new OpenAiAdapter("https://api.groq.com/openai/v1", false, true)),
            Map.entry("deepseek", new OpenAiAdapter("https://api.deepseek.com/v1", false, true)),
            Map.entry("xai", new OpenAiAdapter("https://api.x.ai/v1", false, true)),
            Map.entry("together_ai", new OpenAiAdapter("https://api.together.xyz/v1", false, true)),
            Map.entry("ollama", new OpenAiAdapter("http://localhost:11434/v1", false, false)),
            Map.entry("openai_compatible", new OpenAiAdapter("", false, false)),
            Map.entry("anthropic", new AnthropicAdapter()),
            Map.entry("bedrock", new BedrockAdapter()),
            Map.entry("gemini", new GeminiAdapter())));

    private Providers() {}

    /** The adapter for a provider name (case-insensitive); INVALID_PARAMETER_VALUE listing the known ones if none. */
    public static ProviderAdapter adapter(String provider) {
        ProviderAdapter adapter = ADAPTERS.get(provider.toLowerCase(Locale.ROOT));
        if (adapter == null) {
            throw OspreyException.invalid("Unsupported provider '" + provider + "'. Supported: "
                    + String.join(", ", ADAPTERS.keySet()) + ".");
        }
        return adapter;
    }

    public static java.util.Set<String> names() {
        return ADAPTERS.keySet();
    }
}
