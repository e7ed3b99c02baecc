package dev.osprey.client.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden outputs of prompt rendering: MLflow's {@code {{var}}} substitution and Jinja2 through Jinjava. */
class PromptTemplatesTest {

    @Test
    void text_substitutesMlflowVariables_withAnyInnerWhitespace() {
        String template = "Hello {{name}}, {{ name }} and {{  city  }}; {{ user.id }} {{ 1bad }} {name}";
        assertThat(PromptTemplates.variables(template)).containsExactly("name", "city", "user.id");
        assertThat(PromptTemplates.formatText(template, Map.of("name", "Ada", "city", "Paris", "user.id", 7), false))
                .isEqualTo("Hello Ada, Ada and Paris; 7 {{ 1bad }} {name}");
    }

    @Test
    void text_missingVariables_areNamed_unlessPartial() {
        assertThatThrownBy(() -> PromptTemplates.formatText("{{ a }} {{ b }} {{ c }}", Map.of("b", 1), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Missing variables: [a, c]");
        assertThat(PromptTemplates.formatText("{{ a }} {{ b }}", Map.of("b", "x"), true)).isEqualTo("{{ a }} x");
    }

    @Test
    void text_valuesAreInsertedLiterally() {
        assertThat(PromptTemplates.formatText("Q: {{ q }}", Map.of("q", "$1 \\n {{ q }}"), false))
                .isEqualTo("Q: $1 \\n {{ q }}");
    }

    @Test
    void chat_formatsEveryMessage_andChecksVariablesAcrossThem() {
        List<ChatMessage> messages = List.of(new ChatMessage("system", "Answer in {{ language }}."),
                new ChatMessage("user", "{{question}}"));
        assertThat(PromptTemplates.formatChat(messages, Map.of("language", "French", "question", "Why?")))
                .containsExactly(new ChatMessage("system", "Answer in French."), new ChatMessage("user", "Why?"));
        assertThatThrownBy(() -> PromptTemplates.formatChat(messages, Map.of("language", "French")))
                .hasMessageContaining("question");
    }

    @Test
    void chat_isStoredAsPythonJsonDumps() {
        assertThat(PromptVersion.pythonJson(List.of(new ChatMessage("user", "Café \"{{ x }}\"\n"))))
                .isEqualTo("[{\"role\": \"user\", \"content\": \"Caf\\u00e9 \\\"{{ x }}\\\"\\n\"}]");
    }

    @Test
    void jinja_loopsConditionalsFiltersAndWhitespaceControl() {
        assertThat(PromptTemplates.renderJinja("{% for item in items %}- {{ item }}\n{% endfor %}",
                Map.of("items", List.of("a", "b")))).isEqualTo("- a\n- b\n");
        assertThat(PromptTemplates.renderJinja("{% if formal %}Dear {{ name }}{% else %}Hi {{ name }}{% endif %}!",
                Map.of("formal", true, "name", "Ada"))).isEqualTo("Dear Ada!");
        assertThat(PromptTemplates.renderJinja("{% if formal %}Dear {{ name }}{% else %}Hi {{ name }}{% endif %}!",
                Map.of("formal", false, "name", "Ada"))).isEqualTo("Hi Ada!");
        assertThat(PromptTemplates.renderJinja("{{ name | upper }} {{ items | join(', ') }} {{ items | length }} "
                + "{{ title | title }} {{ text | replace('a', 'o') }}", Map.of("name", "ada", "items",
                List.of("x", "y"), "title", "the lord of rings", "text", "banana")))
                .isEqualTo("ADA x, y 2 The Lord Of Rings bonono");
        assertThat(PromptTemplates.renderJinja("<{%- for x in xs -%} {{ x }} {%- endfor -%}>",
                Map.of("xs", List.of("a", "b", "c")))).isEqualTo("<abc>");
        assertThat(PromptTemplates.renderJinja("{% for i in range(3) %}{{ loop.index }}{% if not loop.last %},"
                + "{% endif %}{% endfor %}", Map.of())).isEqualTo("1,2,3");
        assertThat(PromptTemplates.renderJinja("{% set greeting = 'Hi' %}{{ greeting }} {{ user.name }}",
                Map.of("user", Map.of("name", "Ada")))).isEqualTo("Hi Ada");
    }

    @Test
    void jinja_missingVariable_isAnErrorNamingIt() {
        assertThatThrownBy(() -> PromptTemplates.renderJinja("Hello {{ name }} from {{ city }}",
                Map.of("name", "Ada"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("city");
    }

    @Test
    void promptVersion_readsTypeFromTagsAndTemplate() {
        var text = new dev.osprey.core.ModelVersion("p", "1", 0, 0, java.util.Optional.of("first"), "",
                dev.osprey.core.ModelStage.NONE, "dummy-source", "", "", "READY", List.of(
                        new dev.osprey.core.Tag("mlflow.prompt.is_prompt", "true"),
                        new dev.osprey.core.Tag("mlflow.prompt.text", "{% if a %}{{ a }}{% endif %}"),
                        new dev.osprey.core.Tag("_mlflow_prompt_type", "text"),
                        new dev.osprey.core.Tag("author", "me")), List.of("prod"), java.util.Optional.empty(), "");
        PromptVersion v = PromptVersion.of(text);
        assertThat(v.type()).isEqualTo(PromptType.JINJA2);
        assertThat(v.tags()).containsExactly(Map.entry("author", "me"));
        assertThat(v.commitMessage()).contains("first");
        assertThat(v.uri()).isEqualTo("prompts:/p/1");
        assertThat(v.format(Map.of("a", "yes"))).isEqualTo("yes");
    }
}
