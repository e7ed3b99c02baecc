package dev.osprey.client.prompts;

/** How a prompt's template is stored and rendered; the wire value is the {@code _mlflow_prompt_type} tag. */
public enum PromptType {
    /** A string with {@code {{variable}}} placeholders, formatted by substitution. */
    TEXT("text"),
    /** A JSON list of {@code {role, content}} messages, each content formatted like a text prompt. */
    CHAT("chat"),
    /** A Jinja2 template (loops, conditionals, filters), rendered with Jinjava. */
    JINJA2("jinja2");

    private final String wireName;

    PromptType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
