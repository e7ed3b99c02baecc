package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The MetaPrompt optimizer's request to the reflection model: the template, its variables (which must survive
 * unchanged), how it did on each dataset row when there is a dataset, and the caller's guidelines; the answer is one
 * JSON object mapping the prompt's name to its improved template.
 */
public final class MetaPrompts {
    public static final String SYSTEM = "You improve prompt templates for language models. You answer with one JSON object "
            + "and nothing else.";
    /** Rows shown to the reflection model, worst first; enough to see the pattern without flooding the context. */
    private static final int MAX_ROWS = 20;

    private MetaPrompts() {}

    public static String user(String name, String template, List<ObjectNode> rows, Optional<String> guidelines) {
        Set<String> variables = PromptTemplates.variables(template);
        StringBuilder out = new StringBuilder();
        out.append("Improve the prompt template below so that a model following it gives better answers.\n\n")
                .append("Prompt name: ").append(name).append('\n')
                .append("Template:\n<<<\n").append(template).append("\n>>>\n\n")
                .append("Template variables, to keep exactly as written, each in double curly braces: ")
                .append(variables.isEmpty() ? "none (add no {{...}} placeholder)" : String.join(", ",
                        variables.stream().map(v -> "{{" + v + "}}").toList()))
                .append("\n\n");
        if (!rows.isEmpty()) {
            out.append("How the current template did (lower scores first; 1 is best, 0 worst):\n");
            rows.stream().sorted(java.util.Comparator.comparingDouble(r -> r.path("score").asDouble(1.0)))
                    .limit(MAX_ROWS).forEach(r -> out.append("- inputs: ").append(r.path("inputs"))
                            .append("\n  output: ").append(r.path("outputs").asText())
                            .append("\n  expected: ").append(r.path("expectations"))
                            .append("\n  judged: ").append(r.path("feedback")).append('\n'));
            out.append("\nFind what the weak answers have in common and change the instructions to fix it.\n\n");
        } else {
            out.append("There is no evaluation data: apply what makes prompts work — a clear task, the expected "
                    + "output format, constraints, and steps for reasoning where they help.\n\n");
        }
        guidelines.filter(g -> !g.isBlank()).ifPresent(g -> out.append("Guidelines from the prompt's owner: ")
                .append(g).append("\n\n"));
        out.append("Answer with exactly this JSON object, the improved template as a string: {\"")
                .append(name).append("\": \"...\"}");
        return out.toString();
    }

    /**
     * One rewrite of a template by the reflection model; empty when its reply holds no usable template or the
     * rewrite lost or added a {@code {{variable}}} (a prompt that no longer fits its callers is never used).
     *
     * @throws JudgeModel.JudgeModelException when the model fails
     */
    public static Optional<String> rewrite(JudgeModel reflection, String name, String template, List<ObjectNode> rows,
            Optional<String> guidelines) {
        String reply = reflection.complete(SYSTEM, user(name, template, rows, guidelines));
        return improvedTemplate(reply, name).filter(t -> PromptTemplates.variables(t)
                .equals(PromptTemplates.variables(template)));
    }

    /** The improved template for {@code name} from the model's reply (a fenced or bare JSON object). */
    public static Optional<String> improvedTemplate(String reply, String name) {
        String text = reply.strip();
        int start = text.indexOf('{');
        int end = text.lastIndexOf('}');
        if (start < 0 || end <= start) {
            return Optional.empty();
        }
        try {
            JsonNode json = Json.read(text.substring(start, end + 1));
            JsonNode value = json.path(name);
            return value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
