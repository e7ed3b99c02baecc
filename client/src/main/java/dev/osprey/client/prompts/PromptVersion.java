package dev.osprey.client.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One version of a prompt: its template (text, Jinja2 or chat messages), commit message, version tags, aliases and
 * the optional response format and model configuration, read from the model version MLflow stores it as.
 */
public record PromptVersion(
        String name,
        String version,
        PromptType type,
        String template,
        List<ChatMessage> messages,
        Optional<String> commitMessage,
        Map<String, String> tags,
        List<String> aliases,
        Optional<String> responseFormat,
        Optional<String> modelConfig) {

    static final String IS_PROMPT = "mlflow.prompt.is_prompt";
    static final String TEXT = "mlflow.prompt.text";
    static final String TYPE = "_mlflow_prompt_type";
    static final String RESPONSE_FORMAT = "_mlflow_prompt_response_format";
    static final String MODEL_CONFIG = "_mlflow_prompt_model_config";
    private static final Set<String> RESERVED = Set.of(IS_PROMPT, TEXT, TYPE, RESPONSE_FORMAT, MODEL_CONFIG);

    public PromptVersion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        messages = List.copyOf(messages);
        tags = Map.copyOf(tags);
        aliases = List.copyOf(aliases);
    }

    /** {@code prompts:/<name>/<version>}. */
    public String uri() {
        return "prompts:/" + name + "/" + version;
    }

    /** The {@code {{variable}}} names the template uses. */
    public Set<String> variables() {
        if (type == PromptType.CHAT) {
            Set<String> out = new java.util.LinkedHashSet<>();
            messages.forEach(m -> out.addAll(PromptTemplates.variables(m.content())));
            return out;
        }
        return PromptTemplates.variables(template);
    }

    /**
     * The text of a text or Jinja2 prompt with the values filled in.
     *
     * @throws IllegalArgumentException naming the variables without a value
     */
    public String format(Map<String, ?> values) {
        return switch (type) {
            case TEXT -> PromptTemplates.formatText(template, values, false);
            case JINJA2 -> PromptTemplates.renderJinja(template, values);
            case CHAT -> throw new IllegalStateException("Prompt " + uri() + " is a chat prompt; use formatMessages.");
        };
    }

    /** A text prompt with the given values filled in and the other variables left for later. */
    public String formatPartially(Map<String, ?> values) {
        if (type == PromptType.CHAT) {
            throw new IllegalStateException("Prompt " + uri() + " is a chat prompt; use formatMessages.");
        }
        return PromptTemplates.formatText(template, values, true);
    }

    /** The messages of a chat prompt with the values filled in. */
    public List<ChatMessage> formatMessages(Map<String, ?> values) {
        if (type != PromptType.CHAT) {
            throw new IllegalStateException("Prompt " + uri() + " is a " + type.wireName() + " prompt; use format.");
        }
        return PromptTemplates.formatChat(messages, values);
    }

    /** Reads a prompt version from the model version that stores it. */
    static PromptVersion of(ModelVersion v) {
        Map<String, String> all = new LinkedHashMap<>();
        for (Tag t : v.tags()) {
            all.put(t.key(), t.value());
        }
        if (!"true".equalsIgnoreCase(all.get(IS_PROMPT))) {
            throw new IllegalArgumentException("Model version " + v.name() + "/" + v.version() + " is not a prompt.");
        }
        String text = all.getOrDefault(TEXT, "");
        String typeTag = all.getOrDefault(TYPE, "");
        PromptType type;
        List<ChatMessage> messages = List.of();
        if (typeTag.equals("chat")) {
            type = PromptType.CHAT;
            messages = parseMessages(text);
        } else if (typeTag.equals("jinja2") || text.contains("{%") && text.contains("%}")) {
            type = PromptType.JINJA2;
        } else {
            type = PromptType.TEXT;
        }
        Map<String, String> userTags = new LinkedHashMap<>(all);
        userTags.keySet().removeAll(RESERVED);
        return new PromptVersion(v.name(), v.version(), type, text, messages, v.description(), userTags,
                v.aliases(), Optional.ofNullable(all.get(RESPONSE_FORMAT)), Optional.ofNullable(all.get(MODEL_CONFIG)));
    }

    private static List<ChatMessage> parseMessages(String json) {
        try {
            List<ChatMessage> out = new ArrayList<>();
            for (JsonNode m : Json.read(json)) {
                out.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("The chat prompt's messages are not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Messages as Python's json.dumps writes them (", " and ": " separators, non-ASCII escaped), as MLflow stores. */
    static String pythonJson(List<ChatMessage> messages) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            out.append(i == 0 ? "" : ", ").append("{\"role\": ").append(pythonString(m.role()))
                    .append(", \"content\": ").append(pythonString(m.content())).append('}');
        }
        return out.append(']').toString();
    }

    private static String pythonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
