package dev.osprey.client.prompts;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rendering of prompt templates exactly as MLflow does: {@code {{ var }}} substitution with MLflow's variable pattern
 * for text and chat prompts, Jinja2 (through Jinjava) for Jinja2 prompts. A variable the template needs but the
 * caller did not give is an error naming it.
 */
public final class PromptTemplates {
    /** MLflow's PROMPT_TEMPLATE_VARIABLE_PATTERN (mlflow/prompt/constants.py). */
    static final Pattern VARIABLE = Pattern.compile(
            "\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\\.[a-zA-Z_][a-zA-Z0-9_]*)*)\\s*\\}\\}");
    private static final Jinjava JINJAVA = new Jinjava(JinjavaConfig.newBuilder()
            .withFailOnUnknownTokens(true)
            .build());

    private PromptTemplates() {}

    /** The {@code {{variable}}} names in a template, in order of first appearance. */
    public static Set<String> variables(String template) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Substitutes every {@code {{ name }}} whose name is a key of {@code values}; others are left as they are. */
    static String substitute(String template, Map<String, ?> values) {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = values.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null && !values.containsKey(m.group(1))
                    ? m.group() : String.valueOf(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Formats a text template; every variable must have a value unless {@code allowPartial}. */
    public static String formatText(String template, Map<String, ?> values, boolean allowPartial) {
        if (!allowPartial) {
            requireAll(variables(template), values);
        }
        return substitute(template, values);
    }

    /** Formats each message's content like a text template; variables across all messages must have values. */
    public static List<ChatMessage> formatChat(List<ChatMessage> messages, Map<String, ?> values) {
        Set<String> needed = new LinkedHashSet<>();
        messages.forEach(msg -> needed.addAll(variables(msg.content())));
        requireAll(needed, values);
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage msg : messages) {
            out.add(new ChatMessage(msg.role(), substitute(msg.content(), values)));
        }
        return out;
    }

    /** Renders a Jinja2 template; an undefined variable is an error naming it. */
    public static String renderJinja(String template, Map<String, ?> values) {
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(template, Map.copyOf(values));
        } catch (FatalTemplateErrorsException e) {
            throw error(e.getErrors());
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            throw error(fatal);
        }
        return result.getOutput();
    }

    private static IllegalArgumentException error(Iterable<TemplateError> errors) {
        Set<String> missing = new TreeSet<>();
        List<String> other = new ArrayList<>();
        for (TemplateError e : errors) {
            if (e.getReason() == TemplateError.ErrorReason.UNKNOWN && e.getFieldName() != null) {
                missing.add(e.getFieldName());
            } else if (e.getMessage() != null && e.getMessage().startsWith("Unknown token found: ")) {
                missing.add(e.getMessage().substring("Unknown token found: ".length()).trim());
            } else {
                other.add(e.getMessage());
            }
        }
        if (!missing.isEmpty()) {
            return new IllegalArgumentException("Missing variables: " + missing + ". Give a value for each "
                    + "variable the template uses.");
        }
        return new IllegalArgumentException("The Jinja2 template cannot be rendered: " + other);
    }

    private static void requireAll(Set<String> needed, Map<String, ?> values) {
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(values.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Missing variables: " + missing + ". To format the prompt partially, "
                    + "use allowPartial.");
        }
    }
}
