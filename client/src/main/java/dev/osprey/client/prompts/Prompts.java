package dev.osprey.client.prompts;

import dev.osprey.client.ModelRegistry;
import dev.osprey.client.OspreyClient;
import dev.osprey.client.OspreyClientException;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The prompt registry, stored the way MLflow stores it (registered models and versions carrying
 * {@code mlflow.prompt.*} tags), so prompts registered here load in MLflow's own clients and vice versa.
 *
 * <pre>{@code
 * Prompts prompts = client.prompts();
 * prompts.register(NewPrompt.text("summarize", "Summarize {{ text }} in {{ n }} words.").commitMessage("v1"));
 * prompts.setAlias("summarize", "production", "1");
 * String text = prompts.load("prompts:/summarize@production").format(Map.of("text", doc, "n", 50));
 * }</pre>
 */
public final class Prompts {
    /** Prompt names as MLflow's clients allow them. */
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_.-]+$");
    private static final Pattern URI = Pattern.compile("^prompts:/([^/@]+)(?:/(\\d+)|@([\\w\\-]+))?$");
    /** What MLflow's clients send as a prompt version's source: prompts have no artifacts. */
    static final String SOURCE = "dummy-source";

    /** The run tag MLflow lists a run's prompt versions in, as a JSON list of {@code {name, version}}. */
    static final String LINKED_PROMPTS = "mlflow.linkedPrompts";

    private final OspreyClient client;
    private final ModelRegistry registry;

    public Prompts(OspreyClient client) {
        this.client = client;
        this.registry = client.registry();
    }

    /**
     * Records that a run used a prompt version, as MLflow's clients do: the entry is merged into the run's
     * {@code mlflow.linkedPrompts} tag (no duplicates).
     */
    public void linkToRun(String runId, PromptVersion prompt) {
        List<Map<String, String>> links = new ArrayList<>();
        client.getRun(runId).tags().stream().filter(t -> t.key().equals(LINKED_PROMPTS)).findFirst()
                .ifPresent(t -> {
                    try {
                        for (var node : Json.read(t.value())) {
                            links.add(Map.of("name", node.path("name").asText(), "version",
                                    node.path("version").asText()));
                        }
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("Run " + runId + " has an unreadable " + LINKED_PROMPTS
                                + " tag: " + e.getMessage(), e);
                    }
                });
        Map<String, String> link = Map.of("name", prompt.name(), "version", prompt.version());
        if (!links.contains(link)) {
            links.add(link);
        }
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < links.size(); i++) {
            json.append(i == 0 ? "" : ", ").append("{\"name\": ")
                    .append(Json.writeString(com.fasterxml.jackson.databind.node.TextNode.valueOf(links.get(i)
                            .get("name")))).append(", \"version\": \"").append(links.get(i).get("version"))
                    .append("\"}");
        }
        client.setTag(runId, LINKED_PROMPTS, json.append(']').toString());
    }

    /** Registers a new version (creating the prompt on first use) and returns it. */
    public PromptVersion register(NewPrompt prompt) {
        if (!NAME.matcher(prompt.name()).matches()) {
            throw new IllegalArgumentException("Invalid prompt name '" + prompt.name() + "': use letters, digits, "
                    + "'_', '-' and '.'.");
        }
        try {
            registry.createRegisteredModel(prompt.name(), List.of(new Tag(PromptVersion.IS_PROMPT, "true")),
                    Optional.empty());
        } catch (OspreyClientException.AlreadyExists e) {
            RegisteredModel existing = registry.getRegisteredModel(prompt.name());
            if (!existing.isPrompt()) {
                throw new IllegalArgumentException("'" + prompt.name() + "' is a registered model, not a prompt.");
            }
        }
        List<Tag> tags = new ArrayList<>();
        tags.add(new Tag(PromptVersion.IS_PROMPT, "true"));
        tags.add(new Tag(PromptVersion.TEXT, prompt.type() == PromptType.CHAT
                ? PromptVersion.pythonJson(prompt.messages()) : prompt.template()));
        tags.add(new Tag(PromptVersion.TYPE, prompt.type().wireName()));
        prompt.responseFormat().ifPresent(f -> tags.add(new Tag(PromptVersion.RESPONSE_FORMAT, f)));
        prompt.modelConfig().ifPresent(c -> tags.add(new Tag(PromptVersion.MODEL_CONFIG, c)));
        prompt.tags().forEach((k, v) -> tags.add(new Tag(k, v)));
        ModelVersion created = registry.createModelVersion(prompt.name(), SOURCE, "", tags);
        prompt.commitMessage().ifPresent(m -> registry.updateModelVersion(prompt.name(), created.version(), m));
        return PromptVersion.of(registry.getModelVersion(prompt.name(), created.version()));
    }

    /**
     * A prompt version by URI: {@code prompts:/<name>/<version>}, {@code prompts:/<name>@<alias>}, or
     * {@code prompts:/<name>} / {@code prompts:/<name>@latest} for the newest version.
     */
    public PromptVersion load(String uri) {
        var m = URI.matcher(uri);
        if (!m.matches()) {
            throw new IllegalArgumentException("Invalid prompt URI '" + uri + "': use prompts:/<name>/<version>, "
                    + "prompts:/<name>@<alias> or prompts:/<name>.");
        }
        String name = m.group(1);
        if (m.group(2) != null) {
            return PromptVersion.of(registry.getModelVersion(name, m.group(2)));
        }
        if (m.group(3) != null && !m.group(3).equalsIgnoreCase("latest")) {
            return PromptVersion.of(registry.getModelVersionByAlias(name, m.group(3)));
        }
        Page<ModelVersion> newest = registry.searchModelVersions("name = '" + name.replace("'", "\\'")
                + "' AND tags.`" + PromptVersion.IS_PROMPT + "` = 'true'", List.of("version_number DESC"), 1,
                Optional.empty());
        return newest.items().stream().findFirst().map(PromptVersion::of).orElseThrow(() ->
                new OspreyClientException.NotFound(ErrorCode.RESOURCE_DOES_NOT_EXIST, 404, "Prompt '" + name
                        + "' has no versions."));
    }

    public void setAlias(String name, String alias, String version) {
        registry.setAlias(name, alias, version);
    }

    public void deleteAlias(String name, String alias) {
        registry.deleteAlias(name, alias);
    }

    /** Prompts (not models) matching an optional extra filter, such as {@code name LIKE 'sum%'}. */
    public Page<RegisteredModel> search(String filter, int maxResults, Optional<String> pageToken) {
        String promptFilter = "tags.`" + PromptVersion.IS_PROMPT + "` = 'true'";
        return registry.searchRegisteredModels(filter.isBlank() ? promptFilter : filter + " AND " + promptFilter,
                List.of(), maxResults, pageToken);
    }
}
