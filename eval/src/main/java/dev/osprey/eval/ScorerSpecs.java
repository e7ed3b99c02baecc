package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Registered scorers back into runnable ones. MLflow's serialized form (the JSON its {@code Scorer.model_dump}
 * writes) is read as is: {@code builtin_scorer_class} with its pydantic data selects a built-in judge,
 * {@code instructions_judge_pydantic_data} is a {@code make_judge} judge. Osprey's deterministic scorers serialize as
 * {@code {"osprey_code_scorer": "<kind>", "config": {...}}}. Python code scorers ({@code call_source}) cannot run in
 * the JVM and are refused with a message saying so.
 */
public final class ScorerSpecs {
    private static final Map<String, Function<JudgeModel, LlmJudge>> BUILTINS = Map.ofEntries(
            Map.entry("Correctness", Judges::correctness),
            Map.entry("RelevanceToQuery", Judges::relevanceToQuery),
            Map.entry("RetrievalGroundedness", Judges::retrievalGroundedness),
            Map.entry("RetrievalRelevance", Judges::retrievalRelevance),
            Map.entry("RetrievalSufficiency", Judges::retrievalSufficiency),
            Map.entry("Safety", Judges::safety),
            Map.entry("ExpectationsGuidelines", Judges::expectationsGuidelines),
            Map.entry("ToolCallCorrectness", Judges::toolCallCorrectness),
            Map.entry("ToolCallEfficiency", Judges::toolCallEfficiency),
            Map.entry("Completeness", Judges::completeness),
            Map.entry("Fluency", Judges::fluency),
            Map.entry("Equivalence", Judges::equivalence),
            Map.entry("ConversationCompleteness", Judges::conversationCompleteness),
            Map.entry("UserFrustration", Judges::userFrustration),
            Map.entry("KnowledgeRetention", Judges::knowledgeRetention),
            Map.entry("ConversationalSafety", Judges::conversationalSafety));

    private ScorerSpecs() {}

    /** Resolves a judge's model URI ({@code gateway:/endpoint}, {@code openai:/model}); empty means the default. */
    @FunctionalInterface
    public interface JudgeModels {
        JudgeModel resolve(Optional<String> modelUri);

        /**
         * The models as a run in that workspace may use them (a gateway endpoint must be the workspace's); models
         * that do not depend on the workspace are the same.
         */
        default JudgeModels in(String workspace) {
            return this;
        }

        /**
         * The embedding model an aligned judge searches its examples with ({@code openai:/...},
         * {@code gateway:/<endpoint>}).
         *
         * @throws UnsupportedScorerException when no such model can be called from here
         */
        default Embedder embedder(String modelUri, int dimension) {
            throw new UnsupportedScorerException("Embedding model '" + modelUri + "' cannot be called here.");
        }

        /**
         * The human feedback recorded on these traces for {@code judge}, read back as labelled examples (an aligned
         * judge's episodic memory is stored as trace ids). Traces that are gone, or carry no such feedback any more,
         * give none; the judge then runs on what is left, as MLflow's does.
         */
        default List<LabelledExample> feedback(List<String> traceIds, LlmJudge judge) {
            return List.of();
        }
    }

    /** A serialized scorer that cannot be run here, with the reason. */
    public static final class UnsupportedScorerException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UnsupportedScorerException(String message) {
            super(message);
        }
    }

    /**
     * The runnable scorer a serialized one describes, reporting feedback under {@code name}.
     *
     * @throws UnsupportedScorerException when the text is not a scorer Osprey can run
     */
    public static Scorer parse(String name, String serialized, JudgeModels models) {
        JsonNode spec;
        try {
            spec = Json.read(serialized);
        } catch (IOException e) {
            throw new UnsupportedScorerException("Scorer '" + name + "' is not valid JSON: " + e.getMessage());
        }
        if (!spec.isObject()) {
            throw new UnsupportedScorerException("Scorer '" + name + "' must be a JSON object.");
        }
        Scorer scorer;
        if (spec.hasNonNull("osprey_code_scorer")) {
            scorer = code(name, spec.path("osprey_code_scorer").asText(), spec.path("config"));
        } else if (spec.path("instructions_judge_pydantic_data").isObject()) {
            JsonNode data = spec.get("instructions_judge_pydantic_data");
            try {
                scorer = LlmJudge.make(name, data.path("instructions").asText(""), valueType(data),
                        models.resolve(text(data, "model")));
            } catch (IllegalArgumentException e) {
                throw new UnsupportedScorerException(e.getMessage());
            }
        } else if (spec.path("memory_augmented_judge_data").isObject()) {
            scorer = memoryAugmented(name, spec.get("memory_augmented_judge_data"), models);
        } else if (spec.hasNonNull("builtin_scorer_class")) {
            scorer = builtin(spec.path("builtin_scorer_class").asText(), spec.path("builtin_scorer_pydantic_data"),
                    models);
        } else if (spec.hasNonNull("call_source")) {
            throw new UnsupportedScorerException("Scorer '" + name + "' is Python code (@scorer); Osprey runs judges "
                    + "and its own code scorers in the JVM, not Python. Register a judge (make_judge or a built-in) "
                    + "or an Osprey code scorer instead.");
        } else {
            throw new UnsupportedScorerException("Scorer '" + name + "' names no builtin_scorer_class, "
                    + "instructions_judge_pydantic_data or osprey_code_scorer.");
        }
        return renamed(scorer, name);
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node.path(field).isTextual() && !node.path(field).asText().isBlank()
                ? Optional.of(node.path(field).asText()) : Optional.empty();
    }

    /**
     * A judge aligned by MemAlign, in MLflow's {@code memory_augmented_judge_data} form: the base judge (itself a
     * serialized scorer), guidelines, episodic trace ids (read back through {@link JudgeModels#feedback}) and the
     * retrieval settings.
     */
    private static Scorer memoryAugmented(String name, JsonNode data, JudgeModels models) {
        JsonNode baseSpec = data.path("base_judge");
        if (!baseSpec.isObject()) {
            throw new UnsupportedScorerException("Aligned judge '" + name + "' has no base_judge.");
        }
        Scorer base = parse(name, Json.writeString(baseSpec), models);
        if (!(base instanceof LlmJudge judge)) {
            throw new UnsupportedScorerException("The base of aligned judge '" + name + "' is not an LLM judge.");
        }
        List<Guideline> guidelines = new ArrayList<>();
        for (JsonNode g : data.path("semantic_memory")) {
            List<String> sources = new ArrayList<>();
            g.path("source_trace_ids").forEach(id -> sources.add(id.asText()));
            guidelines.add(new Guideline(g.path("guideline_text").asText(""), sources));
        }
        List<String> traceIds = new ArrayList<>();
        data.path("episodic_trace_ids").forEach(id -> traceIds.add(id.asText()));
        MemoryAugmentedJudge.Settings settings;
        try {
            settings = new MemoryAugmentedJudge.Settings(text(data, "reflection_lm").orElse(""),
                    data.path("retrieval_k").asInt(5),
                    text(data, "embedding_model").orElse(MemoryAugmentedJudge.Settings.DEFAULT_EMBEDDING_MODEL),
                    data.path("embedding_dim").asInt(512));
            return new MemoryAugmentedJudge(judge, baseSpec, settings, guidelines, traceIds,
                    models.feedback(traceIds, judge), models.embedder(settings.embeddingModel(),
                            settings.embeddingDim()));
        } catch (UnsupportedScorerException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UnsupportedScorerException("Aligned judge '" + name + "': " + e.getMessage());
        }
    }

    /**
     * MLflow's feedback_value_type: the JSON schema MLflow 3.11 writes ({@code {"type": "boolean"}},
     * {@code {"enum": [...]}}, numbers), or the older forms ({@code "bool"}, {@code "int"}, a list of labels).
     * Numbers are judged on a 1-5 scale; yes/no is the default.
     */
    static JudgeValueType valueType(JsonNode data) {
        JsonNode t = data.path("feedback_value_type");
        JsonNode labels = t.isArray() ? t : t.path("enum");
        if (labels.isArray() && !labels.isEmpty()) {
            List<String> values = new ArrayList<>();
            labels.forEach(l -> values.add(l.asText()));
            boolean yesNo = values.size() == 2 && values.stream().map(v -> v.toLowerCase(java.util.Locale.ROOT))
                    .sorted().toList().equals(List.of("no", "yes"));
            return yesNo ? JudgeValueType.yesNo() : new JudgeValueType.Categories(values);
        }
        String kind = t.isObject() ? t.path("type").asText("boolean") : t.asText("bool");
        return switch (kind) {
            case "int", "float", "integer", "number" -> new JudgeValueType.Scale(1, 5);
            default -> JudgeValueType.yesNo();
        };
    }

    private static Scorer builtin(String kind, JsonNode data, JudgeModels models) {
        JudgeModel model = models.resolve(text(data, "model"));
        if (kind.equals("Guidelines")) {
            List<String> guidelines = new ArrayList<>();
            JsonNode g = data.path("guidelines");
            if (g.isArray()) {
                g.forEach(x -> guidelines.add(x.asText()));
            } else if (g.isTextual()) {
                guidelines.add(g.asText());
            }
            if (guidelines.isEmpty()) {
                throw new UnsupportedScorerException("A Guidelines scorer needs at least one guideline.");
            }
            return Judges.guidelines(guidelines, model);
        }
        Function<JudgeModel, LlmJudge> factory = BUILTINS.get(kind);
        if (factory == null) {
            throw new UnsupportedScorerException("Unknown built-in scorer class '" + kind + "'. Known: Guidelines, "
                    + BUILTINS.keySet().stream().sorted().toList() + ".");
        }
        return factory.apply(model);
    }

    private static Scorer code(String name, String kind, JsonNode config) {
        return switch (kind) {
            case "exact_match" -> CodeScorers.exactMatch();
            case "contains" -> CodeScorers.contains();
            case "regex" -> CodeScorers.regex(name, required(config, "pattern"));
            case "json_valid" -> CodeScorers.jsonValid();
            case "json_schema" -> CodeScorers.jsonSchema(config.path("schema"));
            case "latency" -> CodeScorers.latency(config.path("max_ms").asLong(1000));
            case "token_count" -> CodeScorers.tokenCount(config.path("max_tokens").asLong(1000));
            case "tool_call_sequence" -> CodeScorers.toolCallSequence();
            default -> throw new UnsupportedScorerException("Unknown osprey_code_scorer '" + kind + "'. Known: "
                    + "contains, exact_match, json_schema, json_valid, latency, regex, token_count, "
                    + "tool_call_sequence.");
        };
    }

    private static String required(JsonNode config, String field) {
        return text(config, field).orElseThrow(() -> new UnsupportedScorerException("Code scorer config needs '"
                + field + "'."));
    }

    /** Serialized form of an Osprey code scorer, for registering it. */
    public static String codeScorer(String kind, ObjectNode config) {
        ObjectNode out = Json.object().put("osprey_code_scorer", kind);
        out.set("config", config);
        return Json.writeString(out);
    }

    /**
     * The judge a serialized scorer describes, under {@code name}: an {@link LlmJudge} or a
     * {@link MemoryAugmentedJudge}, as alignment needs it.
     *
     * @throws UnsupportedScorerException when the scorer is not a judge Osprey can run (a code scorer, Python)
     */
    public static Scorer parseJudge(String name, String serialized, JudgeModels models) {
        Scorer scorer = parse(name, serialized, models);
        if (scorer instanceof LlmJudge || scorer instanceof MemoryAugmentedJudge) {
            return scorer;
        }
        throw new UnsupportedScorerException("Scorer '" + name + "' is not an LLM judge; only judges (make_judge, "
                + "built-in judges, aligned judges) can be aligned.");
    }

    /** Feedback under the registered name, whatever the scorer calls itself. */
    static Scorer renamed(Scorer scorer, String name) {
        if (scorer.name().equals(name)) {
            return scorer;
        }
        if (scorer instanceof LlmJudge judge) {
            return judge.named(name);
        }
        if (scorer instanceof MemoryAugmentedJudge judge) {
            return judge.named(name);
        }
        return new Scorer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean sessionLevel() {
                return scorer.sessionLevel();
            }

            @Override
            public Feedback score(EvalItem item) {
                Feedback f = scorer.score(item);
                return new Feedback(name, f.value(), f.rationale(), f.source(), f.error());
            }
        };
    }
}
