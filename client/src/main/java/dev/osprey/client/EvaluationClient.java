package dev.osprey.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Evaluation;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Evaluation from Java: evaluation datasets, registered scorers and their online scoring, server-side evaluation
 * jobs, and {@link #evaluate} — scorers (Java lambdas, built-in judges) run in this JVM and the outcome is logged to
 * the server as MLflow's evaluate logs it: a run with {@code <scorer>/mean} metrics and a trace per row carrying the
 * feedback as assessments.
 */
public final class EvaluationClient {
    private static final String V3 = "/api/3.0/mlflow";
    private static final String JOBS = "/api/3.0/osprey/evaluations";
    private final Transport transport;
    private final OspreyClient client;

    EvaluationClient(Transport transport, OspreyClient client) {
        this.transport = transport;
        this.client = client;
    }

    // ------------------------------------------------------------ datasets

    /** A dataset as the server describes it. */
    public record DatasetInfo(String datasetId, String name, String digest, List<String> experimentIds) {}

    private static DatasetInfo dataset(Message m) {
        return new DatasetInfo(m.requiredString("dataset_id"), m.requiredString("name"),
                m.string("digest").orElse(""), m.strings("experiment_ids"));
    }

    public DatasetInfo createDataset(String name, List<String> experimentIds, Map<String, String> tags) {
        ObjectNode body = Json.object().put("name", name).put("tags", Json.writeString(Json.MAPPER.valueToTree(tags)));
        experimentIds.forEach(body.putArray("experiment_ids")::add);
        return dataset(transport.post(V3 + "/datasets/create", body).message("dataset").orElseThrow());
    }

    public DatasetInfo getDataset(String datasetId) {
        return dataset(transport.get(V3 + "/datasets/" + datasetId, Map.of()).message("dataset").orElseThrow());
    }

    /** Inserted and updated counts of an upsert. */
    public record UpsertCounts(int inserted, int updated) {}

    /** Upserts records: objects with {@code inputs}, {@code expectations}, {@code outputs}, {@code tags}, {@code source}. */
    public UpsertCounts upsertRecords(String datasetId, List<? extends JsonNode> records) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        records.forEach(array::add);
        Message m = transport.post(V3 + "/datasets/" + datasetId + "/records", Json.object()
                .put("records", Json.writeString(array)));
        return new UpsertCounts((int) m.int64("inserted_count").orElse(0), (int) m.int64("updated_count").orElse(0));
    }

    /** Adds stored traces as records: their root inputs and outputs, and the expectations recorded on them. */
    public UpsertCounts addTraces(String datasetId, List<String> traceIds) {
        List<ObjectNode> records = new ArrayList<>();
        for (String traceId : traceIds) {
            ObjectNode r = Json.object();
            r.putObject("source").put("source_type", "TRACE").putObject("source_data").put("trace_id", traceId);
            records.add(r);
        }
        return upsertRecords(datasetId, records);
    }

    /** Every record, paging through the server's pages. */
    public List<JsonNode> records(String datasetId) {
        List<JsonNode> out = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Message page = transport.get(V3 + "/datasets/" + datasetId + "/records", token.map(t ->
                    Map.of("page_token", List.of(t))).orElse(Map.of()));
            try {
                Json.read(page.string("records").orElse("[]")).forEach(out::add);
            } catch (IOException e) {
                throw new OspreyClientException(dev.osprey.core.ErrorCode.INTERNAL_ERROR, 502, "Unreadable records: "
                        + e.getMessage());
            }
            token = page.string("next_page_token").filter(t -> !t.isEmpty());
        } while (token.isPresent());
        return out;
    }

    // ------------------------------------------------------------ scorers

    /**
     * Records a person's verdict on a trace (a HUMAN feedback assessment), the material judges are aligned with.
     *
     * @param value a boolean, number or label
     * @param reviewer who judged (the assessment's source id)
     * @return the assessment's id
     */
    public String logHumanFeedback(String traceId, String name, Object value, String rationale, String reviewer) {
        if (!(value instanceof Boolean || value instanceof Number || value instanceof String)) {
            throw new IllegalArgumentException("A feedback value is a boolean, a number or a label, not "
                    + (value == null ? "null" : value.getClass().getSimpleName()) + ".");
        }
        ObjectNode assessment = Json.object().put("assessment_name", name);
        assessment.putObject("source").put("source_type", "HUMAN").put("source_id", reviewer);
        assessment.putObject("feedback").set("value", Json.MAPPER.valueToTree(value));
        if (!rationale.isEmpty()) {
            assessment.put("rationale", rationale);
        }
        return transport.post(V3 + "/traces/" + traceId + "/assessments", Json.object("assessment", assessment))
                .message("assessment").flatMap(a -> a.string("assessment_id")).orElseThrow();
    }

    /** Registers a serialized scorer (MLflow's form, or {@code ScorerSpecs.codeScorer}); returns its version. */
    public int registerScorer(String experimentId, String name, String serializedScorer) {
        return (int) transport.post(V3 + "/scorers/register", Json.object().put("experiment_id", experimentId)
                .put("name", name).put("serialized_scorer", serializedScorer)).int64("version").orElseThrow();
    }

    /** Scores a share of the experiment's new traces with a registered scorer, on the server. */
    public void setOnlineScoring(String experimentId, String name, double sampleRate, Optional<String> filter) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("name", name)
                .put("sample_rate", sampleRate);
        filter.ifPresent(f -> body.put("filter_string", f));
        transport.send("PUT", V3 + "/scorers/online-config", body);
    }

    // ------------------------------------------------------------ server jobs

    /** A server-side evaluation job. */
    public record JobInfo(String jobId, String experimentId, String runId, String status, long completed, long total,
            JsonNode result, Optional<String> error) {
        public boolean finished() {
            return !status.equals("PENDING") && !status.equals("IN_PROGRESS");
        }
    }

    private static JobInfo job(Message m) {
        JsonNode j = m.json();
        return new JobInfo(j.path("job_id").asText(), j.path("experiment_id").asText(), j.path("run_id").asText(),
                j.path("status").asText(), j.at("/progress/completed").asLong(), j.at("/progress/total").asLong(),
                j.path("result"), Optional.ofNullable(j.get("error_message")).map(JsonNode::asText));
    }

    /** Starts a job scoring a dataset's records with registered scorers (by name). */
    public JobInfo submitJob(String experimentId, String datasetId, List<String> scorerNames, int concurrency) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("dataset_id", datasetId)
                .put("concurrency", concurrency);
        scorerNames.forEach(body.putArray("scorers")::add);
        return job(transport.post(JOBS, body).message("job").orElseThrow());
    }

    public JobInfo job(String jobId) {
        return job(transport.get(JOBS + "/" + jobId, Map.of()).message("job").orElseThrow());
    }

    public JobInfo cancelJob(String jobId) {
        return job(transport.post(JOBS + "/" + jobId + "/cancel", Json.object()).message("job").orElseThrow());
    }

    /** Polls until the job finishes, telling {@code progress} each state seen. */
    public JobInfo awaitJob(String jobId, Duration poll, Consumer<JobInfo> progress) {
        return Polling.until(() -> job(jobId), JobInfo::finished, poll, progress);
    }

    // ------------------------------------------------------------ evaluate in this JVM

    /** What {@link #evaluate} returns: the run it logged, the trace of each row, and the in-memory result. */
    public record LoggedEvaluation(String runId, List<String> traceIds, Evaluation.Result result) {}

    /**
     * MLflow's {@code evaluate()}: predicts each row (when a predict function is given), scores it with every scorer
     * at the given concurrency, and logs it all to the experiment.
     */
    public LoggedEvaluation evaluate(String experimentId, List<EvalItem> data,
            Optional<Function<JsonNode, JsonNode>> predict, List<Scorer> scorers, int concurrency) {
        Evaluation.Result result = Evaluation.run(data, predict, scorers, concurrency);
        String runId = client.createRun(experimentId, Optional.of("evaluation-" + Instant.now().getEpochSecond()),
                System.currentTimeMillis(), List.of(new dev.osprey.core.Tag("mlflow.runSourceType", "EVALUATION")))
                .info().runId();
        List<String> traceIds = new ArrayList<>();
        for (Evaluation.RowResult row : result.rows()) {
            String traceId = logRow(experimentId, runId, row);
            traceIds.add(traceId);
        }
        for (int i = 0; i < traceIds.size(); i += 100) {
            transport.post("/api/2.0/mlflow/traces/link-to-run", linkBody(traceIds.subList(i,
                    Math.min(traceIds.size(), i + 100)), runId));
        }
        long now = System.currentTimeMillis();
        List<dev.osprey.core.Metric> metrics = new ArrayList<>();
        result.aggregates().forEach((name, a) -> {
            if (a.passed() + a.failed() > 0) {
                metrics.add(new dev.osprey.core.Metric(name + "/mean", a.mean(), now, 0, Optional.empty(),
                        Optional.empty(), Optional.empty(), Optional.of(runId)));
            }
        });
        client.logBatch(runId, metrics, List.of(), List.of());
        client.endRun(runId, dev.osprey.core.RunStatus.FINISHED);
        return new LoggedEvaluation(runId, traceIds, result);
    }

    private static ObjectNode linkBody(List<String> traceIds, String runId) {
        ObjectNode body = Json.object().put("run_id", runId);
        traceIds.forEach(body.putArray("trace_ids")::add);
        return body;
    }

    private String logRow(String experimentId, String runId, Evaluation.RowResult row) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        String traceId = "tr-" + HexFormat.of().formatHex(id);
        ObjectNode info = Json.object().put("trace_id", traceId);
        info.putObject("trace_location").put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                .put("experiment_id", experimentId);
        info.put("request_time", Instant.now().toString()).put("state", row.predictionError().isPresent()
                ? "ERROR" : "OK");
        info.put("request_preview", Json.writeString(row.item().inputs()));
        if (!row.item().outputs().isMissingNode()) {
            info.put("response_preview", Json.writeString(row.item().outputs()));
        }
        info.putObject("trace_metadata").put("mlflow.sourceRun", runId);
        ObjectNode trace = Json.object();
        trace.putObject("trace").set("trace_info", info);
        transport.post(V3 + "/traces", trace);
        for (Feedback f : row.feedbacks()) {
            transport.post(V3 + "/traces/" + traceId + "/assessments", Json.object("assessment",
                    f.assessmentJson(f.name(), Map.of("mlflow.assessment.sourceRunId", runId))));
        }
        return traceId;
    }
}
