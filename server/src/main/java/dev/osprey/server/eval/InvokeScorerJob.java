package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.TraceInfo;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.protocol.Json;
import dev.osprey.server.jobs.JobFunction;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MLflow's {@code invoke_scorer} job: one serialized scorer over given traces, as the UI's "run judge" does. Its
 * result maps each trace id to MLflow's {@code TraceResult} (the feedback as assessments, and the failures);
 * with {@code log_assessments} the feedback is also written to the traces. A session-level scorer judges the
 * traces as one conversation and its feedback goes to the first trace, as MLflow logs it.
 */
public final class InvokeScorerJob implements JobFunction {
    /** MLflow's {@code MLFLOW_SERVER_SCORER_INVOKE_BATCH_SIZE} default: traces per job of one invocation. */
    static final int BATCH = 100;
    private final StorageComponent storage;
    private final TraceItems items;
    private final SessionItems sessions;
    private final ScorerSpecs.JudgeModels models;
    private final Clock clock;

    public InvokeScorerJob(StorageComponent storage, ScorerSpecs.JudgeModels models, Clock clock) {
        this.storage = storage;
        this.items = new TraceItems(storage.traces());
        this.sessions = new SessionItems(storage.traces());
        this.models = models;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "invoke_scorer";
    }

    @Override
    public String experimentOf(ObjectNode params) {
        String experimentId = text(params, "experiment_id");
        if (storage.tracking().getExperiment(experimentId).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
        }
        scorer(params, experimentId);
        if (traceIds(params).isEmpty()) {
            throw OspreyException.invalid("Please select at least one trace to evaluate.");
        }
        return experimentId;
    }

    private static String text(JsonNode params, String field) {
        JsonNode v = params.path(field);
        if (!(v.isTextual() || v.isNumber()) || v.asText().isBlank()) {
            throw OspreyException.invalid("Missing required parameter: " + field);
        }
        return v.asText();
    }

    static List<String> traceIds(JsonNode params) {
        List<String> ids = new ArrayList<>();
        params.path("trace_ids").forEach(t -> ids.add(t.asText()));
        return ids;
    }

    /** The scorer the params carry, run with the judge models of the experiment's workspace. */
    Scorer scorer(JsonNode params, String experimentId) {
        String serialized = text(params, "serialized_scorer");
        String name;
        try {
            name = Json.read(serialized).path("name").asText("");
        } catch (java.io.IOException e) {
            throw OspreyException.invalid("'serialized_scorer' is not JSON.");
        }
        String workspace = storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
        try {
            return ScorerSpecs.parse(name.isEmpty() ? "scorer" : name, serialized, models.in(workspace));
        } catch (ScorerSpecs.UnsupportedScorerException e) {
            throw OspreyException.invalid(e.getMessage());
        }
    }

    /** How MLflow splits one invocation into jobs: by session for session-level scorers, else 100 at a time. */
    List<List<String>> batches(JsonNode params) {
        String experimentId = text(params, "experiment_id");
        List<String> ids = traceIds(params);
        if (!scorer(params, experimentId).sessionLevel()) {
            List<List<String>> out = new ArrayList<>();
            for (int from = 0; from < ids.size(); from += BATCH) {
                out.add(ids.subList(from, Math.min(ids.size(), from + BATCH)));
            }
            return out;
        }
        Map<String, List<String>> bySession = new LinkedHashMap<>();
        for (TraceInfo t : storage.traces().getTraceInfos(ids)) {
            String session = SessionItems.sessionOf(t).orElseThrow(() -> SessionItems.noSession(t.traceId()));
            bySession.computeIfAbsent(session, k -> new ArrayList<>()).add(t.traceId());
        }
        return List.copyOf(bySession.values());
    }

    @Override
    public JsonNode run(ObjectNode params, Progress progress) {
        String experimentId = text(params, "experiment_id");
        Scorer scorer = scorer(params, experimentId);
        boolean log = params.path("log_assessments").asBoolean(true);
        List<String> ids = traceIds(params);
        ObjectNode results = Json.object();
        if (scorer.sessionLevel()) {
            ids.forEach(id -> results.set(id, traceResult()));
            SessionItems.StoredSession session = sessions.of("", ids);
            if (!progress.stopped()) {
                record(results, session.firstTraceId(), scorer.name(), scorer.safely(session.item()), log);
                progress.report(ids.size(), ids.size());
            }
            return results;
        }
        int done = 0;
        for (String id : ids) {
            if (progress.stopped()) {
                break;
            }
            ObjectNode result = traceResult();
            results.set(id, result);
            Optional<TraceItems.StoredTrace> trace = read(id);
            if (trace.isEmpty()) {
                failure(result, "RESOURCE_DOES_NOT_EXIST", "Trace with ID '" + id + "' not found.");
            } else {
                record(results, id, scorer.name(), scorer.safely(trace.get().item()), log);
            }
            progress.report(++done, ids.size());
        }
        return results;
    }

    private Optional<TraceItems.StoredTrace> read(String traceId) {
        try {
            return Optional.of(items.read(traceId));
        } catch (OspreyException e) {
            return Optional.empty();
        }
    }

    private static ObjectNode traceResult() {
        ObjectNode r = Json.object();
        r.putArray("assessments");
        r.putArray("failures");
        return r;
    }

    private static void failure(ObjectNode result, String code, String message) {
        ((ArrayNode) result.get("failures")).addObject().put("error_code", code).put("error_message", message);
    }

    private void record(ObjectNode results, String traceId, String scorerName, Feedback feedback, boolean log) {
        ObjectNode result = (ObjectNode) results.get(traceId);
        ObjectNode body;
        if (log) {
            dev.osprey.core.Assessment stored = FeedbackAssessments.of(traceId, feedback, scorerName, Map.of(),
                    clock.millis());
            storage.traces().createAssessment(stored);
            body = (ObjectNode) DatasetRecords.parse(stored.body());
            body.put("assessment_id", stored.assessmentId()).put("trace_id", traceId);
        } else {
            body = feedback.assessmentJson(scorerName, Map.of());
            body.put("trace_id", traceId);
        }
        ((ArrayNode) result.get("assessments")).add(body);
        feedback.error().ifPresent(e -> failure(result, "SCORER_ERROR", e));
    }
}
