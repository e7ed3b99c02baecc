package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.osprey.core.Assessment;
import dev.osprey.core.Page;
import dev.osprey.core.TraceInfo;
import dev.osprey.eval.ConversationSimulator.Conversation;
import dev.osprey.eval.ConversationSimulator.Exchange;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.SimulationCase;
import dev.osprey.protocol.Json;
import dev.osprey.search.Comparator;
import dev.osprey.search.Condition;
import dev.osprey.search.Field;
import dev.osprey.search.Ordering;
import dev.osprey.search.Value;
import dev.osprey.server.traces.EvaluationTraces;
import dev.osprey.server.traces.TraceIngest;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * How a simulation is kept: every turn a trace of its session (MLflow's {@code mlflow.trace.session} and
 * {@code mlflow.simulation.*} metadata, with the job and case it belongs to), the case's expectations and the session
 * judges' verdicts on the session's first trace, and the conversation's outcome as the {@link #DONE} tag on that trace,
 * written last. Reading a job's traces back gives its conversations: for the REST listing, for the summary and for a
 * resumed job.
 */
public final class SimulationRecords {
    static final String JOB_ID = "osprey.simulation.jobId";
    static final String CASE = "osprey.simulation.case";
    /** Per turn: whether the goal check said the goal was met after it. */
    static final String GOAL_MET = "osprey.simulation.goalMet";
    /** On a conversation's first trace once it is finished and judged: its outcome as JSON. */
    static final String DONE = "osprey.simulation.outcome";
    private static final int MAX_METADATA = 250;
    private static final int MAX_RATIONALE = 2000;
    private final TraceStore traces;
    private final TraceIngest ingest;
    private final TraceItems items;
    private final Clock clock;

    public SimulationRecords(TraceStore traces, TraceIngest ingest, Clock clock) {
        this.traces = traces;
        this.ingest = ingest;
        this.items = new TraceItems(traces);
        this.clock = clock;
    }

    /**
     * One conversation of a job as stored.
     *
     * @param traces its turns' traces in turn order
     * @param done its outcome, once finished
     */
    public record Stored(int caseIndex, String sessionId, List<TraceInfo> traces, Optional<JsonNode> done) {
        public Stored {
            traces = List.copyOf(traces);
        }

        public List<String> traceIds() {
            return traces.stream().map(TraceInfo::traceId).toList();
        }
    }

    /** A job's conversations so far, by case index. */
    public List<Stored> read(String experimentId, String jobId) {
        List<Condition> filter = List.of(new Condition(Field.METADATA, JOB_ID, Comparator.EQ, new Value.Text(jobId)));
        List<Ordering> order = List.of(new Ordering(Field.ATTRIBUTE, "timestamp_ms", true));
        Map<Integer, List<TraceInfo>> byCase = new TreeMap<>();
        Optional<String> token = Optional.empty();
        do {
            Page<TraceInfo> page = traces.searchTraces(new TraceQuery(List.of(experimentId), filter, order, 500,
                    token));
            for (TraceInfo t : page.items()) {
                int index = Integer.parseInt(t.metadata().getOrDefault(CASE, "-1"));
                byCase.computeIfAbsent(index, k -> new ArrayList<>()).add(t);
            }
            token = page.nextPageToken();
        } while (token.isPresent());
        List<Stored> out = new ArrayList<>();
        byCase.forEach((index, list) -> {
            list.sort(java.util.Comparator.comparingInt(t -> Integer.parseInt(t.metadata()
                    .getOrDefault("mlflow.simulation.turn", "0"))));
            TraceInfo first = list.getFirst();
            Optional<JsonNode> done = Optional.ofNullable(first.tags().get(DONE)).map(DatasetRecords::parse);
            out.add(new Stored(index, first.metadata().getOrDefault(SessionItems.SESSION, ""), list, done));
        });
        return out;
    }

    private static KeyValue attribute(String key, String json) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(json)).build();
    }

    /**
     * One turn as its own trace, under the trace and span ids the agent was given as {@code traceparent}: a CHAIN
     * root span with MLflow's simulator inputs ({@code input}: the history, {@code mlflow_session_id}, the context)
     * and the reply as outputs; a turn the agent failed is an error span with the reason.
     */
    void logTurn(String experimentId, String runId, String jobId, int caseIndex, SimulationCase c, String sessionId,
            Exchange e) {
        ObjectNode inputs = c.context().deepCopy();
        ArrayNode history = inputs.putArray("input");
        history.addObject().put("role", "user").put("content", e.user());
        inputs.put("mlflow_session_id", sessionId);
        HexFormat hex = HexFormat.of();
        Span.Builder span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(hex.parseHex(e.trace().traceId())))
                .setSpanId(ByteString.copyFrom(hex.parseHex(e.trace().spanId())))
                .setName("simulated_turn")
                .setStartTimeUnixNano(e.startMs() * 1_000_000L)
                .setEndTimeUnixNano(Math.max(e.endMs(), e.startMs()) * 1_000_000L)
                .addAttributes(attribute("mlflow.spanType", "\"CHAIN\""))
                .addAttributes(attribute("mlflow.spanInputs", Json.writeString(inputs)));
        if (e.reply().isPresent()) {
            span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
            span.addAttributes(attribute("mlflow.spanOutputs", Json.writeString(
                    com.fasterxml.jackson.databind.node.TextNode.valueOf(e.reply().get()))));
        } else {
            span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                    .setMessage("The agent did not answer this turn."));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(SessionItems.SESSION, sessionId);
        metadata.put("mlflow.simulation.goal", cut(c.goal(), MAX_METADATA));
        metadata.put("mlflow.simulation.persona", cut(c.personaOrDefault(), MAX_METADATA));
        metadata.put("mlflow.simulation.turn", Integer.toString(e.index()));
        if (!c.guidelines().isEmpty()) {
            metadata.put("mlflow.simulation.simulation_guidelines", cut(String.join("\n", c.guidelines()),
                    MAX_METADATA));
        }
        metadata.put(JOB_ID, jobId);
        metadata.put(CASE, Integer.toString(caseIndex));
        e.goalCheck().ifPresent(g -> metadata.put(GOAL_MET, Boolean.toString(g.met())));
        if (!runId.isEmpty()) {
            metadata.put(EvaluationTraces.SOURCE_RUN, runId);
        }
        ingest.ingestOwn(experimentId, span.build(), metadata);
    }

    /** The case's expectations on the first trace, where MLflow's simulator logs them. */
    void logExpectations(String firstTraceId, Conversation c) {
        long now = clock.millis();
        c.simulationCase().expectations().properties().forEach(e -> {
            ObjectNode body = Json.object().put("assessment_name", e.getKey());
            body.putObject("source").put("source_type", "HUMAN").put("source_id", "simulation");
            body.putObject("expectation").set("value", e.getValue());
            body.putObject("metadata").put(SessionItems.SESSION, c.sessionId());
            traces.createAssessment(new Assessment("a-" + UUID.randomUUID().toString().replace("-", ""),
                    firstTraceId, Optional.empty(), true, now, now, Json.writeString(body)));
        });
    }

    /** The session judges' verdicts on the first trace, tagged with the run (how the run's results find them). */
    void logVerdicts(String firstTraceId, String runId, Conversation c, List<Feedback> verdicts) {
        for (Feedback f : verdicts) {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put(SessionItems.SESSION, c.sessionId());
            if (!runId.isEmpty()) {
                metadata.put(FeedbackAssessments.SOURCE_RUN_ID, runId);
            }
            traces.createAssessment(FeedbackAssessments.of(firstTraceId, f, f.name(), metadata, clock.millis()));
        }
    }

    /** The conversation's outcome, written last: from here on a resumed job leaves it alone. */
    void markDone(String firstTraceId, Conversation c) {
        ObjectNode outcome = Json.object().put("goal_achieved", c.goalAchieved()).put("turns", c.exchanges().size());
        c.error().ifPresent(e -> outcome.put("error", cut(e, MAX_RATIONALE)));
        c.exchanges().getLast().goalCheck().ifPresent(g -> outcome.putObject("goal_check").put("met", g.met())
                .put("rationale", cut(g.rationale(), MAX_RATIONALE)));
        outcome.putObject("timings").put("user_ms", c.timings().userMillis())
                .put("agent_ms", c.timings().agentMillis()).put("goal_check_ms", c.timings().goalCheckMillis());
        traces.setTag(firstTraceId, DONE, Json.writeString(outcome));
    }

    /**
     * The job's totals: conversations finished, goals achieved, failures, turns, where the time went (the agent
     * against the simulator's own models), and per judge passed / failed / errors / mean.
     */
    ObjectNode summary(List<Stored> all, List<String> judges) {
        long finished = 0;
        long achieved = 0;
        long errors = 0;
        long turns = 0;
        long agentMs = 0;
        long simulatorMs = 0;
        Map<String, double[]> perJudge = new LinkedHashMap<>();
        judges.forEach(j -> perJudge.put(j, new double[4]));
        List<String> firsts = new ArrayList<>();
        for (Stored s : all) {
            if (s.done().isEmpty()) {
                continue;
            }
            JsonNode d = s.done().get();
            finished++;
            achieved += d.path("goal_achieved").asBoolean() ? 1 : 0;
            errors += d.has("error") ? 1 : 0;
            turns += d.path("turns").asLong();
            agentMs += d.path("timings").path("agent_ms").asLong();
            simulatorMs += d.path("timings").path("user_ms").asLong() + d.path("timings").path("goal_check_ms")
                    .asLong();
            firsts.add(s.traceIds().getFirst());
        }
        for (int i = 0; i < firsts.size(); i += 100) {
            for (List<Assessment> list : traces.assessments(firsts.subList(i, Math.min(firsts.size(), i + 100)))
                    .values()) {
                for (Assessment a : list) {
                    JsonNode body = DatasetRecords.parse(a.body());
                    double[] sum = perJudge.get(body.path("assessment_name").asText());
                    if (sum == null || !body.has("feedback")) {
                        continue;
                    }
                    JsonNode value = body.path("feedback").path("value");
                    if (value.isMissingNode() || value.isNull()) {
                        sum[2]++;
                        continue;
                    }
                    double v = value.isBoolean() ? (value.asBoolean() ? 1 : 0) : value.isNumber() ? value.asDouble()
                            : value.asText().equalsIgnoreCase("yes") ? 1 : 0;
                    sum[v > 0 ? 0 : 1]++;
                    sum[3] += v;
                }
            }
        }
        ObjectNode out = Json.object();
        ObjectNode totals = out.putObject("summary").put("conversations", finished).put("goal_achieved", achieved)
                .put("errors", errors).put("turns", turns).put("agent_ms", agentMs).put("simulator_ms", simulatorMs);
        if (finished > 0) {
            totals.put("goal_achieved_rate", (double) achieved / finished).put("mean_turns", (double) turns / finished);
        }
        ObjectNode byJudge = out.putObject("judges");
        perJudge.forEach((name, s) -> {
            ObjectNode o = byJudge.putObject(name).put("passed", (long) s[0]).put("failed", (long) s[1])
                    .put("errors", (long) s[2]);
            if (s[0] + s[1] > 0) {
                o.put("mean", s[3] / (s[0] + s[1]));
            }
        });
        return out;
    }

    /**
     * Conversations as the UI reads them: per case its goal, persona, session, every turn (the user's message, the
     * agent's reply, the trace, the goal check's yes/no), the outcome once finished and the verdicts on its first
     * trace.
     */
    ArrayNode conversations(List<Stored> page) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        List<String> firsts = page.stream().map(s -> s.traceIds().getFirst()).toList();
        Map<String, List<Assessment>> assessments = firsts.isEmpty() ? Map.of() : traces.assessments(firsts);
        for (Stored s : page) {
            TraceInfo first = s.traces().getFirst();
            ObjectNode c = out.addObject().put("case_index", s.caseIndex()).put("session_id", s.sessionId())
                    .put("goal", first.metadata().getOrDefault("mlflow.simulation.goal", ""))
                    .put("persona", first.metadata().getOrDefault("mlflow.simulation.persona", ""))
                    .put("finished", s.done().isPresent());
            s.done().ifPresent(d -> c.set("outcome", d));
            ArrayNode turns = c.putArray("turns");
            for (TraceInfo t : s.traces()) {
                TraceItems.StoredTrace stored = items.read(t.traceId(), List.of());
                ObjectNode turn = turns.addObject().put("trace_id", t.traceId())
                        .put("user", Turns.text(stored.inputs())).put("state", t.state().name());
                if (!stored.outputs().isMissingNode()) {
                    turn.put("assistant", Turns.text(stored.outputs()));
                }
                Optional.ofNullable(t.metadata().get(GOAL_MET)).ifPresent(g -> turn.put("goal_met",
                        Boolean.parseBoolean(g)));
            }
            ArrayNode verdicts = c.putArray("assessments");
            for (Assessment a : assessments.getOrDefault(first.traceId(), List.of())) {
                JsonNode body = DatasetRecords.parse(a.body());
                ObjectNode v = verdicts.addObject().put("name", body.path("assessment_name").asText());
                if (body.has("feedback")) {
                    if (body.path("feedback").has("value")) {
                        v.set("value", body.path("feedback").path("value"));
                    }
                    if (body.path("feedback").has("error")) {
                        v.set("error", body.path("feedback").path("error").path("error_message"));
                    }
                    if (body.has("rationale")) {
                        v.set("rationale", body.path("rationale"));
                    }
                } else {
                    v.put("kind", "expectation").set("value", body.path("expectation").path("value"));
                }
            }
        }
        return out;
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
