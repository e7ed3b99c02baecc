package dev.osprey.gateway.provider;

import java.util.List;
import java.util.Locale;

/**
 * What a secret and its auth config must hold for each provider, as the adapters read them: MLflow's
 * {@code provider-config} answer, which the UI uses to draw the form for a new secret.
 */
public final class ProviderAuth {
    private ProviderAuth() {}

    /** One field; {@code secret} ones are sealed in the secret, the others are plain auth config. */
    public record Field(String name, String description, boolean required, boolean secret) {}

    /** One way to authenticate, with its fields. */
    public record Mode(String mode, String displayName, String description, List<Field> fields) {}

    /** The modes of a known provider, the default first; INVALID_PARAMETER_VALUE for an unknown one. */
    public static List<Mode> modes(String provider) {
        String p = provider.toLowerCase(Locale.ROOT);
        Providers.adapter(p);
        String title = p.substring(0, 1).toUpperCase(Locale.ROOT) + p.substring(1);
        return switch (p) {
            case "bedrock" -> List.of(new Mode("access_keys", "Access Keys", "AWS access key id and secret access "
                    + "key, signed with SigV4", List.of(
                            new Field("aws_access_key_id", "AWS access key id", true, true),
                            new Field("aws_secret_access_key", "AWS secret access key", true, true),
                            new Field("aws_session_token", "AWS session token, for temporary credentials", false, true),
                            new Field("aws_region", "AWS region (us-east-1 when not given)", false, false),
                            new Field("api_base", "Bedrock runtime URL, to override the region's", false, false))));
            case "azure" -> List.of(new Mode("api_key", "API Key", "Use an Azure OpenAI API key", List.of(
                    new Field("api_key", "Azure OpenAI API key", true, true),
                    new Field("api_base", "Azure OpenAI resource URL", true, false),
                    new Field("api_version", "Azure OpenAI API version", false, false))));
            case "openai_compatible" -> List.of(new Mode("api_key", "API Key", "Any server speaking OpenAI's API",
                    List.of(new Field("api_key", "API key, when the server asks for one", false, true),
                            new Field("api_base", "Base URL of the server's OpenAI API", true, false))));
            case "ollama" -> List.of(new Mode("api_key", "API Key", "A local or remote Ollama server", List.of(
                    new Field("api_key", "API key, when a proxy in front of Ollama asks for one", false, true),
                    new Field("api_base", "Ollama's OpenAI API URL (http://localhost:11434/v1 when not given)", false,
                            false))));
            default -> List.of(new Mode("api_key", "API Key", "Use " + title + " API Key", List.of(
                    new Field("api_key", title + " API Key", true, true),
                    new Field("api_base", title + " API Base URL", false, false))));
        };
    }
}
