package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.TraceInfo;
import dev.osprey.eval.Embedder;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.LabelledExample;
import dev.osprey.eval.LlmJudge;
import dev.osprey.eval.MemoryAugmentedJudge;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.eval.Simba;
import dev.osprey.protocol.Json;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.ScorerStore.ScorerVersion;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.WorkspaceStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Everything a judge-alignment job needs, resolved and checked before any model is called: the registered judge and
 * its serialized base, the optimizer and its options, the models, and the labelled examples split into the part the
 * optimizer learns from and the held-out part both judges are measured on. A client's mistake in any of them (an
 * unknown optimizer, a scorer that is not a judge, traces without human feedback of the judge's name) is a 400 or
 * 404 here, before a job exists.
 */
record AlignmentPlan(String experimentId, String workspace, String scorerName, Scorer judge, JsonNode baseSerialized,
        String optimizer, MemoryAugmentedJudge.Settings memAlign, Simba.Options simba, JudgeModel reflection,
        Optional<Embedder> embedder, List<LabelledExample> train, List<LabelledExample> heldOut, boolean register) {
    static final int MAX_TRACES = 5_000;

    /** The judge alignment starts from as a plain judge (an aligned judge's base). */
    LlmJudge baseJudge() {
        return judge instanceof MemoryAugmentedJudge m ? m.base() : (LlmJudge) judge;
    }

    static AlignmentPlan resolve(JsonNode params, StorageComponent storage, ScorerSpecs.JudgeModels models) {
        String experimentId = params.path("experiment_id").asText("");
        if (experimentId.isBlank() || storage.tracking().getExperiment(experimentId).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
        }
        String workspace = storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
        ScorerSpecs.JudgeModels inWorkspace = models.in(workspace);
        String name = params.path("name").asText("");
        if (name.isBlank()) {
            throw OspreyException.invalid("Missing value for required parameter 'name' (the registered judge).");
        }
        Optional<Integer> version = params.hasNonNull("version")
                ? Optional.of(params.path("version").asInt()) : Optional.empty();
        ScorerVersion registered = registered(storage, experimentId, name, version);
        Scorer judge = judge(registered, inWorkspace);
        JsonNode serialized = read(registered.serializedScorer());
        JsonNode base = serialized.path("memory_augmented_judge_data").path("base_judge").isObject()
                ? serialized.path("memory_augmented_judge_data").path("base_judge") : serialized;
        JsonNode options = params.path("optimizer");
        String optimizer = options.path("type").asText("memalign").toLowerCase(Locale.ROOT);
        if (!optimizer.equals("memalign") && !optimizer.equals("simba")) {
            throw OspreyException.invalid("Unsupported optimizer type: '" + optimizer + "'. Supported types: "
                    + "['memalign', 'simba'].");
        }
        LlmJudge baseJudge = judge instanceof MemoryAugmentedJudge m ? m.base() : (LlmJudge) judge;
        String reflectionUri = options.path("reflection_model").asText(baseJudge.model().name());
        JudgeModel reflection;
        MemoryAugmentedJudge.Settings memAlign;
        Simba.Options simba;
        Optional<Embedder> embedder = Optional.empty();
        try {
            reflection = inWorkspace.resolve(Optional.of(reflectionUri));
            MemoryAugmentedJudge.Settings previous = judge instanceof MemoryAugmentedJudge m ? m.settings() : null;
            memAlign = new MemoryAugmentedJudge.Settings(reflectionUri,
                    options.path("retrieval_k").asInt(previous == null ? 5 : previous.retrievalK()),
                    options.path("embedding_model").asText(previous == null
                            ? MemoryAugmentedJudge.Settings.DEFAULT_EMBEDDING_MODEL : previous.embeddingModel()),
                    options.path("embedding_dim").asInt(previous == null ? 512 : previous.embeddingDim()));
            simba = new Simba.Options(options.path("batch_size").asInt(0),
                    options.path("max_steps").asInt(Simba.Options.DEFAULTS.maxSteps()),
                    options.path("max_demos").asInt(Simba.Options.DEFAULTS.maxDemos()),
                    options.path("num_candidates").asInt(Simba.Options.DEFAULTS.numCandidates()),
                    options.path("seed").asLong(Simba.Options.DEFAULTS.seed()));
            if (optimizer.equals("memalign")) {
                embedder = Optional.of(inWorkspace.embedder(memAlign.embeddingModel(), memAlign.embeddingDim()));
            }
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("optimizer: " + e.getMessage());
        }
        List<String> traceIds = traceIds(params, experimentId, storage);
        List<LabelledExample> examples = inWorkspace.feedback(traceIds, baseJudge.named(name));
        if (examples.isEmpty()) {
            throw OspreyException.invalid("No human feedback named '" + name + "' on the " + traceIds.size()
                    + " trace(s) given: alignment learns from traces that carry a HUMAN assessment with the judge's "
                    + "name (and what the judge reads: " + baseJudge.variables() + ").");
        }
        double holdout = params.path("holdout_fraction").asDouble(0.2);
        if (!(holdout >= 0 && holdout < 1)) {
            throw OspreyException.invalid("'holdout_fraction' must be at least 0 and below 1, got " + holdout + ".");
        }
        List<LabelledExample> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(params.path("seed").asLong(42)));
        int held = holdout == 0 || shuffled.size() < 2 ? 0
                : Math.min(shuffled.size() - 1, Math.max(1, (int) Math.round(shuffled.size() * holdout)));
        return new AlignmentPlan(experimentId, workspace, name, judge, base, optimizer, memAlign, simba, reflection,
                embedder, List.copyOf(shuffled.subList(held, shuffled.size())), List.copyOf(shuffled.subList(0, held)),
                params.path("register").asBoolean(false));
    }

    /** A registered version of a scorer (the latest when none is given), or 404. */
    static ScorerVersion registered(StorageComponent storage, String experimentId, String name,
            Optional<Integer> version) {
        return storage.scorers().get(experimentId, name, version).orElseThrow(() -> OspreyException.notFound(
                "Scorer '" + name + "'" + version.map(v -> " version " + v).orElse("") + " is not registered in "
                        + "experiment " + experimentId + "."));
    }

    /** The judge a registered scorer is, under its registered name; 400 when it is not an LLM judge. */
    static Scorer judge(ScorerVersion registered, ScorerSpecs.JudgeModels models) {
        try {
            return ScorerSpecs.parseJudge(registered.name(), registered.serializedScorer(), models);
        } catch (ScorerSpecs.UnsupportedScorerException e) {
            throw OspreyException.invalid(e.getMessage());
        }
    }

    /** The traces named, or those of the experiment matching {@code filter_string} (newest first, capped). */
    private static List<String> traceIds(JsonNode params, String experimentId, StorageComponent storage) {
        List<String> ids = new ArrayList<>();
        if (params.path("trace_ids").isArray() && !params.path("trace_ids").isEmpty()) {
            params.path("trace_ids").forEach(id -> ids.add(id.asText()));
            if (ids.size() > MAX_TRACES) {
                throw OspreyException.invalid("At most " + MAX_TRACES + " trace_ids per alignment, got " + ids.size()
                        + ".");
            }
            return ids.stream().distinct().toList();
        }
        String filter = params.path("filter_string").asText("");
        Optional<String> token = Optional.empty();
        do {
            Page<TraceInfo> page = storage.traces().searchTraces(new TraceQuery(List.of(experimentId),
                    EntityGrammar.TRACES.parseFilter(filter), EntityGrammar.TRACES.parseOrderBy(List.of()),
                    Math.min(500, MAX_TRACES - ids.size()), token));
            page.items().forEach(t -> ids.add(t.traceId()));
            token = page.nextPageToken();
        } while (token.isPresent() && ids.size() < MAX_TRACES);
        return ids;
    }

    private static JsonNode read(String json) {
        try {
            return Json.read(json);
        } catch (IOException e) {
            return Json.object();
        }
    }
}
