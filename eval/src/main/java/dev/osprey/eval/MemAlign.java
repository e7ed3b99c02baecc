package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * MemAlign (MLflow's {@code MemAlignOptimizer}): aligns a judge with human feedback by memory rather than by
 * rewriting its prompt. Every labelled example joins episodic memory; a reflection model reads the examples in
 * batches beside the judge's instructions and the guidelines already known, and distills new guidelines — each naming
 * the examples it came from — into semantic memory. Guidelines already known, or repeated by another batch, are
 * dropped. Aligning an aligned judge extends its memories.
 */
public final class MemAlign {
    /** Examples per reflection call, as MLflow batches them. */
    public static final int BATCH = 50;
    /** Characters of one field of an example shown to the reflection model. */
    private static final int FIELD_CHARS = 4_000;

    private MemAlign() {}

    /** The outcome: the aligned judge and the reflection calls it cost. */
    public record Result(MemoryAugmentedJudge judge, List<Guideline> learned, int reflectionCalls,
            List<String> problems) {}

    /**
     * Aligns {@code judge} (a plain judge, or an aligned one to extend) with the examples.
     *
     * @param reflection the model that distills guidelines
     * @param embedder the model episodic memory is searched with
     * @param baseSerialized the base judge in MLflow's serialized form (for a plain judge; an aligned judge keeps its
     *     own)
     * @throws IllegalArgumentException when there are no examples
     */
    public static Result align(Scorer judge, JsonNode baseSerialized, List<LabelledExample> examples,
            MemoryAugmentedJudge.Settings settings, JudgeModel reflection, Embedder embedder) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("No labelled examples to align judge '" + judge.name() + "' with.");
        }
        MemoryAugmentedJudge start = switch (judge) {
            case MemoryAugmentedJudge aligned -> aligned;
            case LlmJudge plain -> new MemoryAugmentedJudge(plain, baseSerialized, settings, List.of(), List.of(),
                    List.of(), embedder);
            default -> throw new IllegalArgumentException("Judge '" + judge.name() + "' is not an LLM judge; only "
                    + "judges with instructions can be aligned.");
        };
        List<String> known = start.guidelines().stream().map(Guideline::text).toList();
        Set<String> seen = new LinkedHashSet<>(known);
        List<Guideline> learned = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int calls = 0;
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<LabelledExample> batch = examples.subList(from, Math.min(examples.size(), from + BATCH));
            calls++;
            String reply;
            try {
                reply = reflection.complete(SYSTEM, prompt(start.base(), known, batch, from));
            } catch (JudgeModel.JudgeModelException e) {
                problems.add("reflection on examples " + from + "-" + (from + batch.size() - 1) + " failed: "
                        + e.getMessage());
                continue;
            }
            for (Guideline g : parse(reply, examples)) {
                if (seen.add(g.text())) {
                    learned.add(g);
                }
            }
        }
        return new Result(start.extendedWith(examples, learned), learned, calls, problems);
    }

    private static final String SYSTEM = "You turn a person's judgements of AI answers into short guidelines that let "
            + "an automated judge reach the same conclusions. Reply with a single JSON object and nothing else.";

    /** The reflection prompt: the judge's task, the guidelines known, the batch (numbered by overall index). */
    static String prompt(LlmJudge base, List<String> known, List<LabelledExample> batch, int firstIndex) {
        StringBuilder out = new StringBuilder();
        out.append("An automated judge evaluates AI answers with these instructions:\n<instructions>\n")
                .append(base.instructions()).append("\n</instructions>\n\n")
                .append("Below, a person has judged examples themselves. Infer what this person expects: their "
                        + "standards of quality, the facts they hold, what they care about. Write guidelines that "
                        + "would make the judge agree with them. Guidelines may be specific to this person; where "
                        + "they contradict common opinion, the person's view wins.\n\n");
        if (!known.isEmpty()) {
            out.append("Guidelines already known (do not repeat them; add only what they miss):\n");
            known.forEach(g -> out.append("- ").append(g).append('\n'));
            out.append('\n');
        }
        out.append("Judged examples:\n");
        for (int i = 0; i < batch.size(); i++) {
            LabelledExample e = batch.get(i);
            ObjectNode record = Json.object().put("id", firstIndex + i);
            base.rendered(e.item(), LlmJudge.EXAMPLE_FIELDS).forEach((field, text) -> record.put(field,
                    text.length() > FIELD_CHARS ? text.substring(0, FIELD_CHARS) + "…" : text));
            record.put("result", e.label()).put("rationale", e.rationale());
            out.append(Json.writeString(record)).append('\n');
        }
        out.append("\nAnswer with {\"guidelines\": [{\"guideline_text\": \"<one sentence>\", \"source_trace_ids\": "
                + "[<ids of the examples it comes from>]}, ...]}. If the known guidelines already explain these "
                + "judgements, answer {\"guidelines\": []}.");
        return out.toString();
    }

    /**
     * The guidelines in a reply, each with the trace ids of the examples it names (by index, or by trace id);
     * guidelines naming no known example are dropped, as MLflow drops them.
     */
    static List<Guideline> parse(String reply, List<LabelledExample> examples) {
        Optional<JsonNode> parsed = LlmJudge.parseObject(reply);
        if (parsed.isEmpty()) {
            return List.of();
        }
        JsonNode root = parsed.get();
        Set<String> traceIds = new LinkedHashSet<>();
        examples.forEach(e -> traceIds.add(e.traceId()));
        List<Guideline> out = new ArrayList<>();
        for (JsonNode g : root.path("guidelines")) {
            String text = g.path("guideline_text").asText("").trim();
            if (text.isEmpty()) {
                continue;
            }
            Set<String> sources = new LinkedHashSet<>();
            for (JsonNode id : g.path("source_trace_ids")) {
                resolve(id, examples, traceIds).ifPresent(sources::add);
            }
            if (!sources.isEmpty()) {
                out.add(new Guideline(text, List.copyOf(sources)));
            }
        }
        return out;
    }

    private static Optional<String> resolve(JsonNode id, List<LabelledExample> examples, Set<String> traceIds) {
        if (id.isTextual() && traceIds.contains(id.asText())) {
            return Optional.of(id.asText());
        }
        int index;
        if (id.isIntegralNumber()) {
            index = id.asInt();
        } else {
            try {
                index = Integer.parseInt(id.asText("").trim());
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return index >= 0 && index < examples.size() ? Optional.of(examples.get(index).traceId()) : Optional.empty();
    }
}
