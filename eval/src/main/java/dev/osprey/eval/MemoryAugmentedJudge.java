package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * A judge aligned with people by MemAlign: its base judge, asked with two memories beside the item. Semantic memory is
 * the guidelines distilled from human feedback, shown every time; episodic memory is the human-labelled examples
 * themselves, of which the {@code k} most like the item (cosine similarity of embeddings of the first field the base
 * judge reads: inputs, outputs, expectations, conversation, trace) are shown as example judgements.
 *
 * <p>It reads and writes MLflow's serialized form ({@code memory_augmented_judge_data}): the base judge as MLflow
 * serialized it, the episodic memory as trace ids (the examples are read back from those traces' human feedback), the
 * guidelines with their source traces, and the reflection model, {@code retrieval_k}, embedding model and dimension.
 */
public final class MemoryAugmentedJudge implements Scorer {
    /** The fields of an item an example is found by, in MLflow's order of preference. */
    private static final List<String> QUERY_FIELDS = List.of("inputs", "outputs", "expectations", "conversation",
            "trace");
    /** Characters of one field shown in an example judgement; examples are context, not the item judged. */
    private static final int EXAMPLE_FIELD_CHARS = 2_000;
    /** Characters embedded per text (~8k tokens, the usual embedding model limit, at ~4 characters a token). */
    private static final int EMBEDDED_CHARS = 32_000;

    /** MemAlign's settings, as MLflow serializes them. */
    public record Settings(String reflectionModel, int retrievalK, String embeddingModel, int embeddingDim) {
        public static final String DEFAULT_EMBEDDING_MODEL = "openai:/text-embedding-3-small";

        public Settings {
            Objects.requireNonNull(reflectionModel, "reflectionModel");
            Objects.requireNonNull(embeddingModel, "embeddingModel");
            if (retrievalK <= 0) {
                throw new IllegalArgumentException("retrieval_k must be a positive integer, got " + retrievalK + ".");
            }
            if (embeddingDim <= 0) {
                throw new IllegalArgumentException("embedding_dim must be a positive integer, got " + embeddingDim
                        + ".");
            }
        }
    }

    private final LlmJudge base;
    private final JsonNode baseSerialized;
    private final Settings settings;
    private final List<Guideline> guidelines;
    private final List<String> episodicTraceIds;
    private final List<LabelledExample> episodes;
    private final Embedder embedder;
    private final String queryField;
    private volatile Index index;

    private record Index(List<LabelledExample> examples, List<float[]> vectors) {}

    /**
     * @param baseSerialized the base judge in MLflow's serialized form (kept as given, so a judge aligned here
     *     serializes its base exactly as Python MLflow wrote it)
     * @param episodes the examples behind {@code episodicTraceIds} that could be read (some traces may be gone)
     */
    public MemoryAugmentedJudge(LlmJudge base, JsonNode baseSerialized, Settings settings, List<Guideline> guidelines,
            List<String> episodicTraceIds, List<LabelledExample> episodes, Embedder embedder) {
        this.base = Objects.requireNonNull(base, "base");
        this.baseSerialized = baseSerialized.deepCopy();
        this.settings = Objects.requireNonNull(settings, "settings");
        this.guidelines = List.copyOf(guidelines);
        this.episodicTraceIds = List.copyOf(episodicTraceIds);
        this.episodes = List.copyOf(episodes);
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.queryField = QUERY_FIELDS.stream().filter(base.variables()::contains).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Judge '" + base.name() + "' reads none of "
                        + QUERY_FIELDS + ", so no example can be found by similarity."));
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public boolean sessionLevel() {
        return base.sessionLevel();
    }

    /** The same judge reporting under another name (its base judge renamed). */
    public MemoryAugmentedJudge named(String name) {
        return name.equals(name()) ? this : new MemoryAugmentedJudge(base.named(name), baseSerialized, settings,
                guidelines, episodicTraceIds, episodes, embedder);
    }

    public LlmJudge base() {
        return base;
    }

    public Settings settings() {
        return settings;
    }

    public List<Guideline> guidelines() {
        return guidelines;
    }

    public List<String> episodicTraceIds() {
        return episodicTraceIds;
    }

    /** The examples episodic memory holds. */
    public List<LabelledExample> episodes() {
        return episodes;
    }

    /** This judge with more feedback: examples appended, guidelines appended (MemAlign's incremental alignment). */
    public MemoryAugmentedJudge extendedWith(List<LabelledExample> examples, List<Guideline> learned) {
        List<LabelledExample> allEpisodes = new ArrayList<>(episodes);
        allEpisodes.addAll(examples);
        List<String> ids = new ArrayList<>(episodicTraceIds);
        examples.forEach(e -> ids.add(e.traceId()));
        List<Guideline> allGuidelines = new ArrayList<>(guidelines);
        allGuidelines.addAll(learned);
        return new MemoryAugmentedJudge(base, baseSerialized, settings, allGuidelines, ids, allEpisodes, embedder);
    }

    /**
     * This judge without the feedback of these traces (MLflow's {@code unalign}): their examples leave episodic
     * memory, and a guideline goes when every trace it was distilled from is removed.
     */
    public MemoryAugmentedJudge without(java.util.Set<String> traceIds) {
        List<Guideline> kept = guidelines.stream().filter(g -> g.sourceTraceIds().isEmpty()
                || g.sourceTraceIds().stream().anyMatch(id -> !traceIds.contains(id))).toList();
        return new MemoryAugmentedJudge(base, baseSerialized, settings, kept,
                episodicTraceIds.stream().filter(id -> !traceIds.contains(id)).toList(),
                episodes.stream().filter(e -> !traceIds.contains(e.traceId())).toList(), embedder);
    }

    /** The text an item is found by: the rendering of the first field the base judge reads. */
    String queryText(EvalItem item) {
        String text = LlmJudge.value(queryField, item);
        return text.length() > EMBEDDED_CHARS ? text.substring(0, EMBEDDED_CHARS) : text;
    }

    @Override
    public Feedback score(EvalItem item) {
        List<LabelledExample> similar;
        try {
            similar = similar(item);
        } catch (JudgeModel.JudgeModelException e) {
            return Feedback.error(name(), Feedback.LLM_JUDGE, "Could not find similar examples: embedding model "
                    + embedder.name() + " failed: " + e.getMessage());
        }
        return base.score(item, context(similar));
    }

    /** The k examples most like the item, most similar first (none when memory is empty or the item's text is). */
    List<LabelledExample> similar(EvalItem item) {
        Index idx = index();
        String query = queryText(item);
        if (idx.examples().isEmpty() || query.isBlank()) {
            return List.of();
        }
        float[] q = embedder.embed(List.of(query)).getFirst();
        return IntStream.range(0, idx.examples().size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -cosine(q, idx.vectors().get(i)))
                        .thenComparing(Function.identity()))
                .limit(settings.retrievalK()).map(idx.examples()::get).toList();
    }

    private Index index() {
        Index current = index;
        if (current == null) {
            synchronized (this) {
                current = index;
                if (current == null) {
                    List<LabelledExample> usable = episodes.stream()
                            .filter(e -> !queryText(e.item()).isBlank()).toList();
                    List<float[]> vectors = usable.isEmpty() ? List.of()
                            : embedder.embed(usable.stream().map(e -> queryText(e.item())).toList());
                    current = new Index(usable, vectors);
                    index = current;
                }
            }
        }
        return current;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** What the judge is told beside the item: the guidelines and the example judgements. */
    String context(List<LabelledExample> similar) {
        StringBuilder out = new StringBuilder();
        if (!guidelines.isEmpty()) {
            out.append("Guidelines learned from the people whose judgement you must match. Apply them in your "
                    + "reasoning without mentioning that you were given them:\n");
            guidelines.forEach(g -> out.append("- ").append(g.text()).append('\n'));
        }
        if (!similar.isEmpty()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append("Judgements those people made on similar cases (fields may be shortened). Judge the new case "
                    + "as they would, without referring to these examples:\n");
            for (int i = 0; i < similar.size(); i++) {
                LabelledExample e = similar.get(i);
                out.append("Example ").append(i + 1).append(":\n");
                base.rendered(e.item(), QUERY_FIELDS).forEach((field, text) -> out.append(field).append(": ")
                        .append(shortened(text)).append('\n'));
                out.append("result: ").append(e.label()).append('\n');
                if (!e.rationale().isBlank()) {
                    out.append("rationale: ").append(shortened(e.rationale())).append('\n');
                }
            }
        }
        return out.toString().stripTrailing();
    }

    private static String shortened(String text) {
        return text.length() <= EXAMPLE_FIELD_CHARS ? text : text.substring(0, EXAMPLE_FIELD_CHARS) + "…";
    }

    /**
     * The instructions with the guidelines appended, as MLflow's {@code instructions} property shows an aligned
     * judge.
     */
    public String instructions() {
        if (guidelines.isEmpty()) {
            return base.instructions();
        }
        StringBuilder out = new StringBuilder(base.instructions()).append("\n\nDistilled Guidelines (")
                .append(guidelines.size()).append("):\n");
        guidelines.forEach(g -> out.append("  - ").append(g.text()).append('\n'));
        return out.toString();
    }

    /** MLflow's serialized scorer for this judge ({@code memory_augmented_judge_data}). */
    public ObjectNode serialized(String mlflowVersion) {
        ObjectNode data = Json.object();
        data.set("base_judge", baseSerialized.deepCopy());
        ArrayNode ids = data.putArray("episodic_trace_ids");
        episodicTraceIds.forEach(ids::add);
        ArrayNode semantic = data.putArray("semantic_memory");
        for (Guideline g : guidelines) {
            ObjectNode node = semantic.addObject().put("guideline_text", g.text());
            if (g.sourceTraceIds().isEmpty()) {
                node.putNull("source_trace_ids");
            } else {
                g.sourceTraceIds().forEach(node.putArray("source_trace_ids")::add);
            }
        }
        data.put("reflection_lm", settings.reflectionModel()).put("retrieval_k", settings.retrievalK())
                .put("embedding_model", settings.embeddingModel()).put("embedding_dim", settings.embeddingDim());
        ObjectNode out = SerializedScorers.envelope(name(), mlflowVersion);
        out.set("memory_augmented_judge_data", data);
        return out;
    }
}
