package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scorer that asks a model. Its instructions name what the model sees with {@code {{ inputs }}},
 * {@code {{ outputs }}}, {@code {{ expectations }}}, {@code {{ trace }}} and {@code {{ conversation }}}; the model
 * must answer with a JSON object {@code {"rationale": ..., "result": ...}}. Malformed answers are asked again (with a
 * reminder) up to the attempt limit; a judge that still gets none, or whose model fails, reports an error on its
 * feedback instead of failing the evaluation.
 */
public final class LlmJudge implements Scorer {
    /** The template variables a judge may use. */
    public static final Set<String> VARIABLES = Set.of("inputs", "outputs", "expectations", "trace", "conversation");
    private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([A-Za-z_]+)\\s*}}");
    private static final int DEFAULT_ATTEMPTS = 3;
    private final String name;
    private final String instructions;
    private final JudgeValueType type;
    private final JudgeModel model;
    private final int attempts;
    private final Set<String> used;

    private LlmJudge(String name, String instructions, JudgeValueType type, JudgeModel model, int attempts) {
        this.name = Objects.requireNonNull(name, "name");
        this.instructions = Objects.requireNonNull(instructions, "instructions");
        this.type = Objects.requireNonNull(type, "type");
        this.model = Objects.requireNonNull(model, "model");
        this.attempts = attempts;
        this.used = variables(instructions);
    }

    /**
     * A custom judge (MLflow's {@code make_judge}). The template is checked now: it must use at least one variable
     * and only known ones.
     *
     * @throws IllegalArgumentException naming the unknown variable or the missing ones
     */
    public static LlmJudge make(String name, String instructions, JudgeValueType type, JudgeModel model) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A judge needs a name.");
        }
        Set<String> found = variables(instructions);
        for (String v : found) {
            if (!VARIABLES.contains(v)) {
                throw new IllegalArgumentException("Unknown template variable {{ " + v + " }} in judge '" + name
                        + "'. Allowed: " + List.copyOf(new java.util.TreeSet<>(VARIABLES)) + ".");
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("The instructions of judge '" + name + "' use no template variable; "
                    + "refer to what it judges with {{ inputs }}, {{ outputs }}, {{ expectations }}, {{ trace }} or "
                    + "{{ conversation }}.");
        }
        return new LlmJudge(name, instructions, type, model, DEFAULT_ATTEMPTS);
    }

    @Override
    public boolean sessionLevel() {
        return used.contains("conversation");
    }

    /** The same judge with another attempt limit for malformed replies and retryable model failures. */
    public LlmJudge withAttempts(int maxAttempts) {
        return new LlmJudge(name, instructions, type, model, Math.max(1, maxAttempts));
    }

    static Set<String> variables(String template) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Override
    public String name() {
        return name;
    }

    public Set<String> variables() {
        return used;
    }

    /** The instructions as written, variables unrendered. */
    public String instructions() {
        return instructions;
    }

    public JudgeValueType type() {
        return type;
    }

    public JudgeModel model() {
        return model;
    }

    /** The same judge reporting under another name. */
    public LlmJudge named(String newName) {
        return newName.equals(name) ? this : new LlmJudge(newName, instructions, type, model, attempts);
    }

    /** The same judge with other instructions (an optimizer's rewrite); checked as {@link #make} checks them. */
    public LlmJudge withInstructions(String newInstructions) {
        return make(name, newInstructions, type, model).withAttempts(attempts);
    }

    private Optional<String> lacking(EvalItem item) {
        if (used.contains("expectations") && item.expectations().isEmpty()) {
            return Optional.of("expectations");
        }
        if (used.contains("trace") && item.trace().isEmpty()) {
            return Optional.of("a trace");
        }
        if (used.contains("conversation") && item.conversation().isEmpty()) {
            return Optional.of("a conversation");
        }
        return Optional.empty();
    }

    String render(EvalItem item) {
        StringBuilder out = new StringBuilder();
        Matcher m = VARIABLE.matcher(instructions);
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), item)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The fields an example shows of an item, for people and models to compare it with another. */
    static final List<String> EXAMPLE_FIELDS = List.of("inputs", "outputs", "expectations", "conversation");

    /**
     * The fields of {@code candidates} this judge reads, rendered for {@code item} as its prompt renders them, in
     * the order given.
     */
    java.util.Map<String, String> rendered(EvalItem item, List<String> candidates) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        candidates.stream().filter(used::contains).forEach(f -> out.put(f, value(f, item)));
        return out;
    }

    /** What {@code {{ variable }}} renders to for this item (the text an aligned judge embeds to find examples). */
    static String value(String variable, EvalItem item) {
        return switch (variable) {
            case "inputs" -> Json.writeString(item.inputs());
            case "outputs" -> item.outputs().isTextual() ? item.outputs().asText() : Json.writeString(item.outputs());
            case "expectations" -> Json.writeString(item.expectations());
            case "trace" -> item.trace().map(t -> {
                ObjectNode node = Json.object().put("execution_time_ms", t.executionTimeMs())
                        .put("total_tokens", t.totalTokens());
                t.toolCalls().forEach(node.putArray("tool_calls")::add);
                t.retrievedDocuments().forEach(node.putArray("retrieved_documents")::add);
                return Json.writeString(node);
            }).orElse("{}");
            case "conversation" -> Conversations.format(item.conversation());
            default -> "";
        };
    }

    private String system() {
        return "You are a careful, impartial evaluator. Judge only what you are asked to judge. Reply with a single "
                + "JSON object and nothing else: {\"rationale\": \"<one or two sentences of reasoning>\", "
                + "\"result\": " + type.ask() + "}.";
    }

    @Override
    public Feedback score(EvalItem item) {
        return score(item, "");
    }

    /**
     * The verdict with {@code context} (what an aligned judge learned: guidelines, example judgements) put after
     * the rendered instructions.
     */
    public Feedback score(EvalItem item, String context) {
        Optional<String> lacking = lacking(item);
        if (lacking.isPresent()) {
            return Feedback.error(name, Feedback.LLM_JUDGE, "Judge '" + name + "' needs " + lacking.get() + ".");
        }
        String prompt = context.isEmpty() ? render(item) : render(item) + "\n\n" + context;
        String lastProblem = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            String reply;
            try {
                reply = model.complete(system(), attempt == 1 ? prompt : prompt + "\n\nYour previous reply could not "
                        + "be read (" + lastProblem + "). Answer with only the JSON object described.");
            } catch (JudgeModel.JudgeModelException e) {
                if (!e.retryable() || attempt == attempts) {
                    return Feedback.error(name, Feedback.LLM_JUDGE, e.getMessage());
                }
                lastProblem = e.getMessage();
                sleep(attempt);
                continue;
            }
            Optional<JsonNode> parsed = parse(reply);
            if (parsed.isEmpty()) {
                lastProblem = "not a JSON object";
                continue;
            }
            Optional<FeedbackValue> value = type.read(parsed.get().path("result"));
            if (value.isEmpty()) {
                lastProblem = "result must be " + type.ask();
                continue;
            }
            String rationale = parsed.get().path("rationale").asText("");
            return Feedback.of(name, value.get(), rationale, Feedback.LLM_JUDGE);
        }
        return Feedback.error(name, Feedback.LLM_JUDGE, "No valid verdict from " + model.name() + " after "
                + attempts + " attempts: " + lastProblem + ".");
    }

    /** The verdict object in a reply: a JSON object with a {@code result}. */
    static Optional<JsonNode> parse(String reply) {
        return parseObject(reply).filter(node -> node.has("result"));
    }

    /** The JSON object in a model's reply: as is, inside a code fence, or between the first '{' and the last '}'. */
    public static Optional<JsonNode> parseObject(String reply) {
        int start = reply.indexOf('{');
        int end = reply.lastIndexOf('}');
        if (start < 0 || end <= start) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.read(reply.substring(start, end + 1));
            return node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void sleep(int attempt) {
        try {
            Thread.sleep(100L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
