package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** MLflow text prompts' {@code {{variable}}} placeholders: which a template has, and the template filled in. */
public final class PromptTemplates {
    private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

    private PromptTemplates() {}

    public static Set<String> variables(String template) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Each placeholder replaced by the input of its name (text as is, anything else as JSON); unknown ones kept. */
    public static String format(String template, JsonNode inputs) {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            JsonNode value = inputs.get(m.group(1));
            String text = value == null ? m.group() : value.isTextual() ? value.asText() : value.toString();
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        m.appendTail(out);
        return out.toString();
    }
}
