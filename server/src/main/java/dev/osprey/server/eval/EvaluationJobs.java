package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.Metric;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Sha256;
import dev.osprey.core.Tag;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.protocol.Json;
import dev.osprey.server.traces.EvaluationTraces;
import dev.osprey.store.DatasetStore.DatasetRecord;
import dev.osprey.store.JobStore;
import dev.osprey.store.JobStore.Job;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code evaluate()} as a server job: scores every row of an evaluation dataset (or every listed trace) with the
 * given scorers, with bounded concurrency, as one MLflow run. Each row's feedback lands as assessments on the row's
 * trace (a dataset row gets a trace made for it), tagged with the run; the run gets a {@code <scorer>/mean} metric
 * per scorer. The job — what to do and how far it got — is stored, and a server that stops mid-way resumes it on
 * start: rows whose trace already holds this run's assessment for a scorer are not judged again. Session-level
 * scorers judge the evaluated traces' sessions, each verdict on the session's first trace.
 */
public final class EvaluationJobs implements AutoCloseable {
    static final String KIND = "evaluation";
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationJobs.class);
    private static final int DEFAULT_CONCURRENCY = 8;
    private static final int MAX_CONCURRENCY = 64;
    private static final int MAX_ROWS = 100_000;
    private final StorageComponent storage;
    private final TrackingStore store;
    private final JobStore jobs;
    private final TraceItems items;
    private final SessionItems sessions;
    private final EvaluationTraces rowTraces;
    private final ScorerSpecs.JudgeModels models;
    private final Clock clock;
    private final ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<String> canceled = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public EvaluationJobs(StorageComponent storage, EvaluationTraces rowTraces, ScorerSpecs.JudgeModels models,
            Clock clock) {
        this.storage = storage;
        this.store = storage.tracking();
        this.jobs = storage.jobs();
        this.items = new TraceItems(storage.traces());
        this.sessions = new SessionItems(storage.traces());
        this.rowTraces = rowTraces;
        this.models = models;
        this.clock = clock;
    }

    /** Picks up the jobs a previous server left unfinished. */
    public void resumeUnfinished() {
        for (Job job : jobs.unfinished(KIND)) {
            LOG.info("Resuming evaluation {} ({} of {} rows done)", job.jobId(), job.completed(), job.total());
            runner.submit(() -> execute(job.jobId()));
        }
    }

    /** One scorer of a request: a registered name (latest version) or a serialized scorer given inline. */
    private record ScorerRef(String name, Optional<String> serialized) {}

    /** Checks the request, creates the run and the job, and starts it. */
    public Job submit(ObjectNode request) {
        String experimentId = request.path("experiment_id").asText("");
        if (experimentId.isEmpty()) {
            throw dev.osprey.protocol.Message.missing("experiment_id");
        }
        if (store.getExperiment(experimentId).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
        }
        Optional<String> datasetId = text(request, "dataset_id");
        List<String> traceIds = strings(request.path("trace_ids"));
        if (datasetId.isPresent() == !traceIds.isEmpty()) {
            throw OspreyException.invalid("Give either 'dataset_id' or 'trace_ids' to evaluate.");
        }
        datasetId.ifPresent(id -> storage.datasets().get(id).orElseThrow(() -> OspreyException.notFound(
                "Could not find evaluation dataset with ID " + id)));
        for (String traceId : traceIds) {
            storage.traces().getTraceInfo(traceId).orElseThrow(() -> OspreyException.notFound("Trace with ID '"
                    + traceId + "' not found."));
        }
        int concurrency = request.path("concurrency").asInt(DEFAULT_CONCURRENCY);
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw OspreyException.invalid("'concurrency' must be 1 to " + MAX_CONCURRENCY + ".");
        }
        List<ScorerRef> refs = scorerRefs(request.path("scorers"));
        List<Scorer> resolved = resolve(experimentId, refs);
        if (datasetId.isPresent() && resolved.stream().anyMatch(Scorer::sessionLevel)) {
            throw OspreyException.invalid("Session-level scorers judge the traces of sessions; evaluate a dataset's "
                    + "rows with row scorers, or give the sessions' 'trace_ids'.");
        }
        String runId = UUID.randomUUID().toString().replace("-", "");
        long now = clock.millis();
        String jobId = "ej-" + UUID.randomUUID().toString().replace("-", "");
        store.createRun(new NewRun(runId, experimentId, "osprey", text(request, "run_name")
                .orElse("evaluation-" + jobId.substring(3, 11)), now, List.of(new Tag("osprey.evaluation.jobId",
                jobId), new Tag("mlflow.runSourceType", "EVALUATION"))));
        ObjectNode params = Json.object().put("concurrency", concurrency);
        datasetId.ifPresent(id -> params.put("dataset_id", id));
        ArrayNode ids = params.putArray("trace_ids");
        traceIds.forEach(ids::add);
        ArrayNode scorers = params.putArray("scorers");
        refs.forEach(r -> {
            ObjectNode s = scorers.addObject().put("name", r.name());
            r.serialized().ifPresent(v -> s.put("serialized_scorer", v));
        });
        Job job = new Job(jobId, KIND, experimentId, Optional.of(runId), "PENDING", Json.writeString(params), 0,
                0, Optional.empty(), Optional.empty(), now, now);
        jobs.create(job);
        runner.submit(() -> execute(jobId));
        return job;
    }

    public Optional<Job> get(String jobId) {
        return jobs.get(jobId).filter(j -> j.kind().equals(KIND));
    }

    public List<Job> list(String experimentId, int maxResults) {
        return jobs.list(experimentId, KIND, maxResults);
    }

    public Job cancel(String jobId) {
        Job job = get(jobId).orElseThrow(() -> missing(jobId));
        if (job.finished()) {
            return job;
        }
        canceled.add(jobId);
        Job stopped = jobs.update(jobId, "CANCELED", job.completed(), job.total(), job.resultJson(), Optional.empty(),
                clock.millis());
        job.runId().ifPresent(run -> store.updateRun(run, new RunUpdate(Optional.of(RunStatus.KILLED),
                OptionalLong.of(clock.millis()), Optional.empty())));
        return stopped;
    }

    static OspreyException missing(String jobId) {
        return OspreyException.notFound("Evaluation job '" + jobId + "' not found.");
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node.path(field).isTextual() && !node.path(field).asText().isBlank()
                ? Optional.of(node.path(field).asText()) : Optional.empty();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<ScorerRef> scorerRefs(JsonNode scorers) {
        if (!scorers.isArray() || scorers.isEmpty()) {
            throw OspreyException.invalid("Give at least one scorer in 'scorers': a registered scorer's name, or "
                    + "{\"name\": ..., \"serialized_scorer\": ...}.");
        }
        List<ScorerRef> refs = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode s : scorers) {
            ScorerRef ref = s.isTextual() ? new ScorerRef(s.asText(), Optional.empty())
                    : new ScorerRef(s.path("name").asText(""), text(s, "serialized_scorer"));
            if (ref.name().isBlank()) {
                throw OspreyException.invalid("Every scorer needs a name.");
            }
            if (!names.add(ref.name())) {
                throw OspreyException.invalid("Scorer '" + ref.name() + "' is listed twice.");
            }
            refs.add(ref);
        }
        return refs;
    }

    /** Judges run with the models of the experiment's workspace (its gateway endpoints). */
    private ScorerSpecs.JudgeModels modelsOf(String experimentId) {
        return models.in(storage.workspaces().workspaceOf(dev.osprey.store.WorkspaceStore.Kind.EXPERIMENT,
                experimentId));
    }

    private List<Scorer> resolve(String experimentId, List<ScorerRef> refs) {
        List<Scorer> out = new ArrayList<>();
        for (ScorerRef ref : refs) {
            String serialized = ref.serialized().orElseGet(() -> storage.scorers().get(experimentId, ref.name(),
                    Optional.empty()).orElseThrow(() -> OspreyException.notFound("Scorer with name '" + ref.name()
                    + "' not found for experiment " + experimentId + ".")).serializedScorer());
            try {
                out.add(ScorerSpecs.parse(ref.name(), serialized, modelsOf(experimentId)));
            } catch (ScorerSpecs.UnsupportedScorerException e) {
                throw OspreyException.invalid(e.getMessage());
            }
        }
        return out;
    }

    /** A row: its trace (made for dataset rows) and what the scorers read. */
    private record Row(String traceId, EvalItem item, Optional<DatasetRecord> record) {}

    private void execute(String jobId) {
        Job job = jobs.get(jobId).orElseThrow();
        if (job.finished()) {
            return;
        }
        String runId = job.runId().orElseThrow();
        try {
            JsonNode params = Json.read(job.paramsJson());
            List<Scorer> scorers = resolve(job.experimentId(), scorerRefs(params.path("scorers")));
            List<Scorer> rowScorers = scorers.stream().filter(sc -> !sc.sessionLevel()).toList();
            List<Scorer> sessionScorers = scorers.stream().filter(Scorer::sessionLevel).toList();
            List<Row> rows = rows(job, params);
            jobs.update(jobId, "IN_PROGRESS", job.completed(), rows.size(), Optional.empty(), Optional.empty(),
                    clock.millis());
            AtomicLong completed = new AtomicLong();
            Semaphore slots = new Semaphore(params.path("concurrency").asInt(DEFAULT_CONCURRENCY));
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Row row : rows) {
                    slots.acquire();
                    if (canceled.contains(jobId)) {
                        slots.release();
                        break;
                    }
                    pool.submit(() -> {
                        try {
                            scoreRow(job, runId, row, rowScorers);
                            long done = completed.incrementAndGet();
                            jobs.update(jobId, "IN_PROGRESS", done, rows.size(), Optional.empty(), Optional.empty(),
                                    clock.millis());
                        } finally {
                            slots.release();
                        }
                        return null;
                    });
                }
            }
            List<String> traceIds = rows.stream().map(Row::traceId).toList();
            if (!sessionScorers.isEmpty() && !canceled.contains(jobId) && !stopping()) {
                scoreSessions(runId, traceIds, sessionScorers, jobId);
            }
            if (canceled.remove(jobId) || stopping()) {
                return;
            }
            for (int i = 0; i < traceIds.size(); i += 100) {
                storage.traces().linkToRun(traceIds.subList(i, Math.min(traceIds.size(), i + 100)), runId);
            }
            ObjectNode result = aggregate(runId, scorers, traceIds);
            long now = clock.millis();
            List<Metric> metrics = new ArrayList<>();
            result.path("scorers").properties().forEach(e -> {
                if (e.getValue().path("mean").isNumber()) {
                    metrics.add(new Metric(e.getKey() + "/mean", e.getValue().path("mean").asDouble(), now, 0,
                            Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(runId)));
                }
            });
            store.logBatch(runId, MetricBatch.ofMetrics(metrics));
            store.updateRun(runId, new RunUpdate(Optional.of(RunStatus.FINISHED), OptionalLong.of(now),
                    Optional.empty()));
            jobs.update(jobId, "COMPLETED", rows.size(), rows.size(), Optional.of(Json.writeString(result)),
                    Optional.empty(), now);
        } catch (InterruptedException e) {
            // The server is stopping: the job stays IN_PROGRESS and resumes at the next start.
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            if (stopping()) {
                return;
            }
            LOG.warn("Evaluation {} failed", jobId, e);
            String message = e instanceof OspreyException o ? o.getMessage() : e.toString();
            jobs.update(jobId, "FAILED", job.completed(), job.total(), Optional.empty(), Optional.of(message),
                    clock.millis());
            store.updateRun(runId, new RunUpdate(Optional.of(RunStatus.FAILED), OptionalLong.of(clock.millis()),
                    Optional.empty()));
        }
    }

    private List<Row> rows(Job job, JsonNode params) {
        List<Row> rows = new ArrayList<>();
        Optional<String> datasetId = text(params, "dataset_id");
        if (datasetId.isEmpty()) {
            for (String traceId : strings(params.path("trace_ids"))) {
                rows.add(new Row(traceId, items.read(traceId).item(), Optional.empty()));
            }
            return rows;
        }
        Optional<String> token = Optional.empty();
        do {
            Page<DatasetRecord> page = storage.datasets().records(datasetId.get(), 1000, token);
            for (DatasetRecord r : page.items()) {
                if (rows.size() >= MAX_ROWS) {
                    throw OspreyException.invalid("Dataset " + datasetId.get() + " has over " + MAX_ROWS + " records; "
                            + "evaluate it in parts.");
                }
                JsonNode outputs = r.outputsJson().map(DatasetRecords::parse).orElse(MissingNode.getInstance());
                EvalItem item = new EvalItem(DatasetRecords.parse(r.inputsJson()), outputs,
                        DatasetRecords.parse(r.expectationsJson()), Optional.empty());
                rows.add(new Row(rowTraceId(job.jobId(), r.recordId()), item, Optional.of(r)));
            }
            token = page.nextPageToken();
        } while (token.isPresent());
        return rows;
    }

    /** The same row of the same job always gets the same trace id, so a resumed job finds the traces it made. */
    static String rowTraceId(String jobId, String rowId) {
        return "tr-" + HexFormat.of().formatHex(Sha256.of(jobId + ":" + rowId), 0, 16);
    }


    private void scoreRow(Job job, String runId, Row row, List<Scorer> scorers) {
        row.record().ifPresent(r -> rowTraces.ensure(job.experimentId(), row.traceId(), row.item().inputs(),
                row.item().outputs(), runId));
        Set<String> done = doneScorers(runId, storage.traces().assessments(List.of(row.traceId()))
                .getOrDefault(row.traceId(), List.of()));
        for (Scorer scorer : scorers) {
            if (done.contains(scorer.name())) {
                continue;
            }
            Feedback f = row.item().outputs().isMissingNode()
                    ? Feedback.error(scorer.name(), Feedback.CODE, "The record has no outputs to judge; the server "
                            + "cannot call a predict function. Add outputs to the dataset, or evaluate with the SDK's "
                            + "predict function.")
                    : scorer.safely(row.item());
            if (stopping()) {
                // A judge cut short by shutdown reports an error that is not the model's: judge it again later.
                return;
            }
            storage.traces().createAssessment(FeedbackAssessments.of(row.traceId(), f, scorer.name(),
                    Map.of(FeedbackAssessments.SOURCE_RUN_ID, runId), clock.millis()));
        }
    }

    /**
     * Session-level scorers over the evaluated traces grouped by session (traces without one are not theirs), each
     * session in time order, its feedback on its first trace; sessions already judged by this run are skipped.
     */
    private void scoreSessions(String runId, List<String> traceIds, List<Scorer> scorers, String jobId) {
        Map<String, List<String>> bySession = new LinkedHashMap<>();
        for (int i = 0; i < traceIds.size(); i += 100) {
            for (dev.osprey.core.TraceInfo t : storage.traces().getTraceInfos(traceIds.subList(i,
                    Math.min(traceIds.size(), i + 100)))) {
                SessionItems.sessionOf(t).ifPresent(id -> bySession.computeIfAbsent(id, k -> new ArrayList<>())
                        .add(t.traceId()));
            }
        }
        for (Map.Entry<String, List<String>> e : bySession.entrySet()) {
            if (canceled.contains(jobId) || stopping()) {
                return;
            }
            SessionItems.StoredSession session = sessions.of(e.getKey(), e.getValue());
            String first = session.firstTraceId();
            Set<String> done = doneScorers(runId, storage.traces().assessments(List.of(first))
                    .getOrDefault(first, List.of()));
            for (Scorer scorer : scorers) {
                if (done.contains(scorer.name())) {
                    continue;
                }
                Feedback f = scorer.safely(session.item());
                if (stopping()) {
                    return;
                }
                storage.traces().createAssessment(FeedbackAssessments.of(first, f, scorer.name(), Map.of(
                        FeedbackAssessments.SOURCE_RUN_ID, runId, SessionItems.SESSION, e.getKey()), clock.millis()));
            }
        }
    }

    /** Names of the scorers whose feedback from this run the trace already holds. */
    static Set<String> doneScorers(String runId, List<Assessment> assessments) {
        Set<String> out = new java.util.HashSet<>();
        FeedbackAssessments.tagged(assessments, FeedbackAssessments.SOURCE_RUN_ID, runId)
                .forEach(body -> out.add(body.path("assessment_name").asText()));
        return out;
    }

    /** Per scorer over the run's assessments: passed, failed, errors, mean of numeric values (yes = 1). */
    private ObjectNode aggregate(String runId, List<Scorer> scorers, List<String> traceIds) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        scorers.forEach(s -> sums.put(s.name(), new double[4]));
        for (int i = 0; i < traceIds.size(); i += 100) {
            Map<String, List<Assessment>> page = storage.traces().assessments(traceIds.subList(i,
                    Math.min(traceIds.size(), i + 100)));
            for (List<Assessment> list : page.values()) {
                for (JsonNode body : FeedbackAssessments.tagged(list, FeedbackAssessments.SOURCE_RUN_ID, runId)) {
                    double[] s = sums.get(body.path("assessment_name").asText());
                    if (s == null) {
                        continue;
                    }
                    JsonNode value = body.path("feedback").path("value");
                    if (value.isMissingNode() || value.isNull()) {
                        s[2]++;
                        continue;
                    }
                    double v = value.isBoolean() ? (value.asBoolean() ? 1 : 0) : value.isNumber() ? value.asDouble()
                            : value.asText().equalsIgnoreCase("yes") || value.asText().equalsIgnoreCase("pass")
                                    ? 1 : 0;
                    s[v > 0 ? 0 : 1]++;
                    s[3] += v;
                }
            }
        }
        ObjectNode result = Json.object().put("rows", traceIds.size());
        ObjectNode perScorer = result.putObject("scorers");
        sums.forEach((name, s) -> {
            ObjectNode o = perScorer.putObject(name).put("passed", (long) s[0]).put("failed", (long) s[1])
                    .put("errors", (long) s[2]);
            double judged = s[0] + s[1];
            if (judged > 0) {
                o.put("mean", s[3] / judged).put("pass_rate", s[0] / judged);
            }
        });
        return result;
    }

    private boolean stopping() {
        return closed || Thread.currentThread().isInterrupted();
    }

    /** Stops running jobs where they are; they stay IN_PROGRESS and resume at the next start. */
    @Override
    public void close() {
        closed = true;
        runner.shutdownNow();
        try {
            runner.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
