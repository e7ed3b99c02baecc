package dev.osprey.client.prompts;

import java.util.Objects;

/** One message of a chat prompt, such as {@code ("system", "You answer in {{language}}.")}. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
