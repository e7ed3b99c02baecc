package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import dev.osprey.eval.LabelledExample;
import dev.osprey.eval.Labels;
import dev.osprey.eval.LlmJudge;
import dev.osprey.protocol.Json;
import dev.osprey.store.TraceStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The human feedback on traces as labelled examples for a judge, read as MLflow's alignment reads it: feedback from a
 * {@code HUMAN} source named as the judge (case and surrounding spaces ignored), still valid (not overridden), with a
 * value. When people disagree on a trace the majority label wins, a tie going to the label given last, and each of
 * the winning assessments is an example. A trace lacking what the judge reads (inputs, outputs, expectations) gives
 * none.
 */
public final class HumanFeedback {
    private final TraceStore traces;
    private final TraceItems items;

    public HumanFeedback(TraceStore traces) {
        this.traces = traces;
        this.items = new TraceItems(traces);
    }

    /** The examples of these traces, in trace order; traces that are gone are skipped. */
    public List<LabelledExample> examples(List<String> traceIds, LlmJudge judge) {
        Map<String, List<Assessment>> assessments = traces.assessments(traceIds);
        List<LabelledExample> out = new ArrayList<>();
        for (String traceId : traceIds) {
            List<Assessment> ofTrace = assessments.getOrDefault(traceId, List.of());
            List<Labelled> human = humanLabels(ofTrace, judge.name());
            if (human.isEmpty()) {
                continue;
            }
            TraceItems.StoredTrace trace;
            try {
                trace = items.read(traceId, ofTrace); // the assessments are read once, for all traces
            } catch (OspreyException gone) {
                continue;
            }
            if (!readable(trace, judge)) {
                continue;
            }
            for (Labelled l : resolveConflicts(human)) {
                out.add(new LabelledExample(traceId, trace.item(), l.label(), l.rationale()));
            }
        }
        return out;
    }

    private record Labelled(String label, String rationale, long createTimeMs) {}

    private static List<Labelled> humanLabels(List<Assessment> assessments, String judgeName) {
        String wanted = sanitized(judgeName);
        List<Labelled> out = new ArrayList<>();
        for (Assessment a : assessments) {
            if (!a.valid()) {
                continue;
            }
            JsonNode body = parse(a.body());
            if (!sanitized(body.path("assessment_name").asText("")).equals(wanted)
                    || !body.path("source").path("source_type").asText("").equals("HUMAN")) {
                continue;
            }
            Optional<String> label = Labels.of(body.path("feedback").path("value"));
            label.ifPresent(l -> out.add(new Labelled(l, body.path("rationale").asText(""), a.createTimeMs())));
        }
        return out;
    }

    /** The assessments of the label most people gave; on a tie, of the label given most recently. */
    private static List<Labelled> resolveConflicts(List<Labelled> labels) {
        Map<String, List<Labelled>> byLabel = new LinkedHashMap<>();
        labels.forEach(l -> byLabel.computeIfAbsent(l.label(), k -> new ArrayList<>()).add(l));
        if (byLabel.size() == 1) {
            return labels;
        }
        return byLabel.values().stream().max(Comparator.comparingInt((List<Labelled> g) -> g.size())
                .thenComparingLong(g -> g.stream().mapToLong(Labelled::createTimeMs).max().orElse(0))).orElseThrow();
    }

    private static boolean readable(TraceItems.StoredTrace trace, LlmJudge judge) {
        var used = judge.variables();
        return !(used.contains("inputs") && trace.inputs().isMissingNode())
                && !(used.contains("outputs") && trace.outputs().isMissingNode())
                && !(used.contains("expectations") && trace.expectations().isEmpty());
    }

    private static String sanitized(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            return Json.object();
        }
    }
}
