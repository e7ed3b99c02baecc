package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Experiment;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.TrackingCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The tracking API of an Osprey or MLflow server. Thread-safe; one instance per server is enough. Failures are
 * {@link OspreyClientException}s ({@link OspreyClientException.NotFound}, {@link OspreyClientException.AlreadyExists},
 * {@link OspreyClientException.InvalidParameter}, ...); transient ones are retried first.
 *
 * <pre>{@code
 * OspreyClient client = OspreyClient.create("http://127.0.0.1:5000");
 * String experimentId = client.createExperiment("demo");
 * }</pre>
 */
public final class OspreyClient {
    private static final String API = "/api/2.0/mlflow";
    private final Transport transport;
    private final ArtifactTransfers artifacts;
    private final ModelRegistry registry;

    private OspreyClient(Transport transport, ArtifactSettings artifactSettings) {
        this.transport = transport;
        this.artifacts = new ArtifactTransfers(transport, artifactSettings,
                runId -> getRun(runId).info().artifactUri());
        this.registry = new ModelRegistry(transport);
    }

    /** Registry webhooks: configuration and test deliveries. */
    public WebhookClient webhooks() {
        return new WebhookClient(transport);
    }

    /** Evaluation: datasets, scorers, online scoring, server jobs and evaluate() logged to the server. */
    public EvaluationClient evaluation() {
        return new EvaluationClient(transport, this);
    }

    /** Prompt optimization as server jobs (GEPA, MetaPrompt). */
    public PromptOptimizationClient promptOptimization() {
        return new PromptOptimizationClient(transport, prompts());
    }

    /** Conversation simulation: simulated users against an agent, each turn logged as a trace of its session. */
    public SimulationClient simulation() {
        return new SimulationClient(transport);
    }

    /** Judge alignment with human feedback as server jobs (MemAlign, SIMBA). */
    public JudgeAlignmentClient judgeAlignment() {
        return new JudgeAlignmentClient(transport);
    }

    /** The AI gateway: configuration (secrets, models, endpoints, usage) and OpenAI-compatible invocations. */
    public GatewayClient gateway() {
        return new GatewayClient(transport);
    }

    /** The prompt registry (prompts stored as MLflow stores them), with template rendering. */
    public dev.osprey.client.prompts.Prompts prompts() {
        return new dev.osprey.client.prompts.Prompts(this);
    }

    /** MLflow models: log Java models, download any model by its URI for serving. */
    public ModelsClient models() {
        return new ModelsClient(this);
    }

    /** The server's model registry: registered models, versions, aliases, stages. */
    public ModelRegistry registry() {
        return registry;
    }

    /** A client with defaults: 5 attempts, 200 ms first backoff, 60 s per request. */
    public static OspreyClient create(String trackingUri) {
        return builder(trackingUri).build();
    }

    public static Builder builder(String trackingUri) {
        return new Builder(trackingUri);
    }

    // ------------------------------------------------------------ experiments

    public String createExperiment(String name) {
        return createExperiment(name, Optional.empty(), List.of());
    }

    public String createExperiment(String name, Optional<String> artifactLocation, List<Tag> tags) {
        ObjectNode body = Json.object().put("name", name);
        artifactLocation.ifPresent(l -> body.put("artifact_location", l));
        TrackingCodec.putList(body, "tags", tags, TrackingCodec::tag);
        return transport.post(API + "/experiments/create", body).string("experiment_id").orElseThrow();
    }

    public Experiment getExperiment(String experimentId) {
        Message m = transport.get(API + "/experiments/get", Map.of("experiment_id", List.of(experimentId)));
        return TrackingCodec.readExperiment(m.message("experiment").orElseThrow());
    }

    /** The experiment of that name, or empty when there is none. */
    public Optional<Experiment> getExperimentByName(String name) {
        try {
            Message m = transport.get(API + "/experiments/get-by-name", Map.of("experiment_name", List.of(name)));
            return m.message("experiment").map(TrackingCodec::readExperiment);
        } catch (OspreyClientException.NotFound e) {
            return Optional.empty();
        }
    }

    /** The id of the named experiment, created first if it does not exist (safe against a concurrent create). */
    public String getOrCreateExperiment(String name) {
        Optional<Experiment> existing = getExperimentByName(name);
        if (existing.isPresent()) {
            return existing.get().experimentId();
        }
        try {
            return createExperiment(name);
        } catch (OspreyClientException.AlreadyExists e) {
            return getExperimentByName(name).orElseThrow(() -> e).experimentId();
        }
    }

    public Page<Experiment> searchExperiments(SearchExperimentsRequest request) {
        ObjectNode body = searchBody(request.maxResults(), request.filter(), request.orderBy(), request.pageToken())
                .put("view_type", request.viewType().name());
        return page(transport.post(API + "/experiments/search", body), "experiments", TrackingCodec::readExperiment);
    }

    public void renameExperiment(String experimentId, String newName) {
        transport.post(API + "/experiments/update", Json.object().put("experiment_id", experimentId)
                .put("new_name", newName));
    }

    public void deleteExperiment(String experimentId) {
        transport.post(API + "/experiments/delete", Json.object().put("experiment_id", experimentId));
    }

    public void restoreExperiment(String experimentId) {
        transport.post(API + "/experiments/restore", Json.object().put("experiment_id", experimentId));
    }

    public void setExperimentTag(String experimentId, String key, String value) {
        transport.post(API + "/experiments/set-experiment-tag", Json.object().put("experiment_id", experimentId)
                .put("key", key).put("value", value));
    }

    public void deleteExperimentTag(String experimentId, String key) {
        transport.post(API + "/experiments/delete-experiment-tag", Json.object().put("experiment_id", experimentId)
                .put("key", key));
    }

    // ------------------------------------------------------------ runs

    /** Creates a RUNNING run; an empty name lets the server generate one. */
    public Run createRun(String experimentId, Optional<String> runName, long startTime, List<Tag> tags) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("start_time", startTime);
        runName.ifPresent(n -> body.put("run_name", n));
        TrackingCodec.putList(body, "tags", tags, TrackingCodec::tag);
        return TrackingCodec.readRun(transport.post(API + "/runs/create", body).message("run").orElseThrow());
    }

    public Run createRun(String experimentId) {
        return createRun(experimentId, Optional.empty(), System.currentTimeMillis(), List.of());
    }

    public Run getRun(String runId) {
        return TrackingCodec.readRun(transport.get(API + "/runs/get", Map.of("run_id", List.of(runId)))
                .message("run").orElseThrow());
    }

    public RunInfo updateRun(String runId, Optional<RunStatus> status, OptionalLong endTime,
            Optional<String> runName) {
        ObjectNode body = Json.object().put("run_id", runId);
        status.ifPresent(s -> body.put("status", s.name()));
        endTime.ifPresent(t -> body.put("end_time", t));
        runName.ifPresent(n -> body.put("run_name", n));
        return TrackingCodec.readRunInfo(transport.post(API + "/runs/update", body).message("run_info").orElseThrow());
    }

    /** Ends a run with a terminal status at the current time. */
    public RunInfo endRun(String runId, RunStatus status) {
        return updateRun(runId, Optional.of(status), OptionalLong.of(System.currentTimeMillis()), Optional.empty());
    }

    public void deleteRun(String runId) {
        transport.post(API + "/runs/delete", Json.object().put("run_id", runId));
    }

    public void restoreRun(String runId) {
        transport.post(API + "/runs/restore", Json.object().put("run_id", runId));
    }

    public void logMetric(String runId, String key, double value, long timestamp, long step) {
        ObjectNode body = TrackingCodec.metric(Metric.of(key, value, timestamp, step)).put("run_id", runId);
        transport.post(API + "/runs/log-metric", body);
    }

    public void logParam(String runId, String key, String value) {
        transport.post(API + "/runs/log-parameter", Json.object().put("run_id", runId).put("key", key)
                .put("value", value));
    }

    public void setTag(String runId, String key, String value) {
        transport.post(API + "/runs/set-tag", Json.object().put("run_id", runId).put("key", key).put("value", value));
    }

    public void deleteTag(String runId, String key) {
        transport.post(API + "/runs/delete-tag", Json.object().put("run_id", runId).put("key", key));
    }

    /** Logs up to 1000 metrics, 100 params and 100 tags atomically. */
    public void logBatch(String runId, List<Metric> metrics, List<Param> params, List<Tag> tags) {
        ObjectNode body = Json.object().put("run_id", runId);
        TrackingCodec.putList(body, "metrics", metrics, TrackingCodec::metric);
        TrackingCodec.putList(body, "params", params, TrackingCodec::param);
        TrackingCodec.putList(body, "tags", tags, TrackingCodec::tag);
        transport.post(API + "/runs/log-batch", body);
    }

    public void logInputs(String runId, List<DatasetInput> datasets, List<ModelInput> models) {
        ObjectNode body = Json.object().put("run_id", runId);
        TrackingCodec.putList(body, "datasets", datasets, TrackingCodec::datasetInput);
        TrackingCodec.putList(body, "models", models, m -> Json.object().put("model_id", m.modelId()));
        transport.post(API + "/runs/log-inputs", body);
    }

    public void logOutputs(String runId, List<ModelOutput> models) {
        ObjectNode body = Json.object().put("run_id", runId);
        TrackingCodec.putList(body, "models", models, m -> Json.object().put("model_id", m.modelId())
                .put("step", m.step()));
        transport.post(API + "/runs/outputs", body);
    }

    public Page<Run> searchRuns(SearchRunsRequest request) {
        ObjectNode body = searchBody(request.maxResults(), request.filter(), request.orderBy(), request.pageToken())
                .put("run_view_type", request.viewType().name());
        strings(body, "experiment_ids", request.experimentIds());
        return page(transport.post(API + "/runs/search", body), "runs", TrackingCodec::readRun);
    }

    /** Every run matching the request, following page tokens. */
    public List<Run> searchAllRuns(SearchRunsRequest request) {
        List<Run> all = new ArrayList<>();
        SearchRunsRequest next = request;
        while (true) {
            Page<Run> page = searchRuns(next);
            all.addAll(page.items());
            if (page.nextPageToken().isEmpty() || page.items().isEmpty()) {
                return all;
            }
            next = next.withPageToken(page.nextPageToken());
        }
    }

    // ------------------------------------------------------------ metrics

    /** The whole history of one metric, in (timestamp, step, value) order, paging as needed. */
    public List<Metric> getMetricHistory(String runId, String key) {
        List<Metric> all = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Map<String, List<String>> query = new LinkedHashMap<>();
            query.put("run_id", List.of(runId));
            query.put("metric_key", List.of(key));
            query.put("max_results", List.of("25000"));
            token.ifPresent(t -> query.put("page_token", List.of(t)));
            Message m = transport.get(API + "/metrics/get-history", query);
            m.messages("metrics").forEach(x -> all.add(TrackingCodec.readMetric(x)));
            token = m.string("next_page_token").filter(t -> !t.isEmpty());
        } while (token.isPresent());
        return all;
    }

    /** Sampled history of one metric over up to 100 runs, as the UI charts it; each point names its run. */
    public List<Metric> getMetricHistoryBulkInterval(List<String> runIds, String key, int maxResults) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("run_ids", runIds);
        query.put("metric_key", List.of(key));
        query.put("max_results", List.of(Integer.toString(maxResults)));
        return transport.get(API + "/metrics/get-history-bulk-interval", query).messages("metrics").stream()
                .map(TrackingCodec::readMetric).toList();
    }

    /** The fields every search request shares. */
    private static ObjectNode searchBody(int maxResults, String filter, List<String> orderBy,
            Optional<String> pageToken) {
        ObjectNode body = Json.object().put("max_results", maxResults);
        if (!filter.isEmpty()) {
            body.put("filter", filter);
        }
        strings(body, "order_by", orderBy);
        pageToken.ifPresent(t -> body.put("page_token", t));
        return body;
    }

    /** One page of a search answer: the items under {@code field} and the next token, if any. */
    private static <T> Page<T> page(Message m, String field, java.util.function.Function<Message, T> reader) {
        return new Page<>(m.messages(field).stream().map(reader).toList(),
                m.string("next_page_token").filter(t -> !t.isEmpty()));
    }

    private static void strings(ObjectNode body, String field, List<String> values) {
        if (!values.isEmpty()) {
            ArrayNode array = body.putArray(field);
            values.forEach(array::add);
        }
    }

    // ------------------------------------------------------------ artifacts

    /**
     * Uploads a file to {@code artifactPath/<file name>} under the run's artifact root, or the contents of a
     * directory to {@code artifactPath} (as MLflow's {@code log_artifacts}). Goes through the server's artifact
     * proxy for {@code mlflow-artifacts:} roots, in parallel parts for large files when the server supports
     * multipart upload; local roots are written directly.
     *
     * @param artifactPath directory under the run's root; empty for the root itself
     */
    public void logArtifact(String runId, Path local, String artifactPath) {
        artifacts.upload(runId, local, artifactPath);
    }

    /** {@link #logArtifact(String, Path, String)} to the root of the run's artifacts. */
    public void logArtifact(String runId, Path local) {
        artifacts.upload(runId, local, "");
    }

    /** The immediate children of {@code path} (empty for the root), with paths relative to the run's root. */
    public List<ArtifactInfo> listArtifacts(String runId, String path) {
        return artifacts.list(runId, path);
    }

    /**
     * Downloads a file or a directory tree of the run's artifacts into {@code destination}, keeping the relative
     * path; returns the local path of what {@code path} names. Interrupted downloads resume where they stopped.
     */
    public Path downloadArtifacts(String runId, String path, Path destination) {
        return artifacts.download(runId, path, destination);
    }

    Transport transport() {
        return transport;
    }

    /** Downloads everything under an artifact URI that is not a run's (a logged model's artifact location). */
    Path downloadArtifactRoot(String artifactUri, Path destination) {
        return artifacts.downloadRoot(artifactUri, destination);
    }

    /** Configures retries and timeouts. */
    public static final class Builder {
        private final String trackingUri;
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private long multipartThreshold = ArtifactSettings.DEFAULTS.multipartThreshold();
        private long partSize = ArtifactSettings.DEFAULTS.partSize();
        private int parallelism = ArtifactSettings.DEFAULTS.parallelism();

        private Builder(String trackingUri) {
            if (!trackingUri.startsWith("http://") && !trackingUri.startsWith("https://")) {
                throw new IllegalArgumentException("Tracking URI must start with http:// or https://, got '"
                        + trackingUri + "'");
            }
            this.trackingUri = trackingUri;
        }

        /** Attempts per call, including the first; at least 1. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        public Builder initialBackoff(Duration backoff) {
            this.initialBackoff = backoff;
            return this;
        }

        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Files of at least this many bytes are uploaded in parts (default 64 MiB). */
        public Builder multipartThreshold(long bytes) {
            this.multipartThreshold = bytes;
            return this;
        }

        /** Size of each uploaded part, at least 5 MiB (default 16 MiB). */
        public Builder multipartPartSize(long bytes) {
            this.partSize = bytes;
            return this;
        }

        /** Parts uploaded at the same time (default 4). */
        public Builder artifactParallelism(int parts) {
            this.parallelism = parts;
            return this;
        }

        public OspreyClient build() {
            return new OspreyClient(new Transport(trackingUri, maxAttempts, initialBackoff, requestTimeout),
                    new ArtifactSettings(multipartThreshold, partSize, parallelism));
        }
    }
}
