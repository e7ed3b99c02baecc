package dev.osprey.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered model (or, with tag {@code mlflow.prompt.is_prompt=true}, a prompt) with its tags, aliases and the
 * latest version in each stage present.
 */
public record RegisteredModel(
        String name,
        long creationTimestamp,
        long lastUpdatedTimestamp,
        Optional<String> description,
        List<ModelVersion> latestVersions,
        List<Tag> tags,
        List<ModelAlias> aliases) {
    /** Marks prompts, on registered models and on their versions. */
    public static final String PROMPT_TAG = "mlflow.prompt.is_prompt";

    public RegisteredModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        latestVersions = List.copyOf(latestVersions);
        tags = List.copyOf(tags);
        aliases = List.copyOf(aliases);
    }

    public boolean isPrompt() {
        return tags.stream().anyMatch(t -> t.key().equals(PROMPT_TAG) && t.value().equalsIgnoreCase("true"));
    }
}
