package dev.osprey.client.prompts;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A prompt version to register: a text, Jinja2 or chat template and its metadata. */
public record NewPrompt(
        String name,
        PromptType type,
        String template,
        List<ChatMessage> messages,
        Optional<String> commitMessage,
        Map<String, String> tags,
        Optional<String> responseFormat,
        Optional<String> modelConfig) {

    public NewPrompt {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(template, "template");
        messages = List.copyOf(messages);
        tags = Map.copyOf(tags);
        if (type == PromptType.CHAT && messages.isEmpty()) {
            throw new IllegalArgumentException("A chat prompt needs at least one message.");
        }
    }

    /**
     * A text prompt with {@code {{variable}}} placeholders; a template with Jinja2 blocks ({@code {% ... %}}) is
     * registered as a Jinja2 prompt.
     */
    public static NewPrompt text(String name, String template) {
        PromptType type = template.contains("{%") && template.contains("%}") ? PromptType.JINJA2 : PromptType.TEXT;
        return new NewPrompt(name, type, template, List.of(), Optional.empty(), Map.of(), Optional.empty(),
                Optional.empty());
    }

    public static NewPrompt chat(String name, List<ChatMessage> messages) {
        return new NewPrompt(name, PromptType.CHAT, "", messages, Optional.empty(), Map.of(), Optional.empty(),
                Optional.empty());
    }

    public NewPrompt commitMessage(String message) {
        return new NewPrompt(name, type, template, messages, Optional.of(message), tags, responseFormat,
                modelConfig);
    }

    public NewPrompt tags(Map<String, String> versionTags) {
        return new NewPrompt(name, type, template, messages, commitMessage, versionTags, responseFormat,
                modelConfig);
    }

    /** The expected response's JSON schema, as JSON text. */
    public NewPrompt responseFormat(String jsonSchema) {
        return new NewPrompt(name, type, template, messages, commitMessage, tags, Optional.of(jsonSchema),
                modelConfig);
    }

    /** Model name and parameters (temperature, max_tokens, ...), as a JSON object text. */
    public NewPrompt modelConfig(String json) {
        return new NewPrompt(name, type, template, messages, commitMessage, tags, responseFormat,
                Optional.of(json));
    }
}
