package dev.osprey.server.eval;

import dev.osprey.core.Assessment;
import dev.osprey.core.Page;
import dev.osprey.core.Sha256;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.eval.ScorerSpecs.UnsupportedScorerException;
import dev.osprey.search.EntityGrammar;
import dev.osprey.search.Ordering;
import dev.osprey.store.ScorerStore;
import dev.osprey.store.ScorerStore.OnlineConfig;
import dev.osprey.store.ScorerStore.ScorerVersion;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores new traces with the experiment's online scorers (MLflow's online scoring configs): a poller finds finished
 * traces since each configuration was set, keeps those the sample rate selects, and hands (trace, scorer) tasks to
 * workers through a bounded queue; the assessment a worker writes carries the scorer id, which is how later scans
 * — after a restart too — know the pair is done.
 *
 * <p>Guarantees: every sampled trace is scored at least once (a crash between judging and writing judges again);
 * within one server a pair is never in flight twice, so each pair gets one assessment. Sampling hashes the trace id
 * with the scorer id, so a restart samples the same traces. When the queue is full the poller stops for that round
 * and resumes from the same place: back-pressure instead of dropped traces. Traces still in progress wait; traces
 * arriving late (older than the newest scored) are caught by re-scanning a lookback window.
 */
public final class OnlineScoring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineScoring.class);
    private static final int PAGE = 200;
    private final ScorerStore scorers;
    private final TraceStore traces;
    private final TraceItems items;
    private final ScorerSpecs.JudgeModels models;
    private final dev.osprey.store.WorkspaceStore workspaces;
    private final Clock clock;
    private final Settings settings;
    private final BlockingQueue<Task> queue;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> watermarks = new ConcurrentHashMap<>();
    private final Map<String, Scorer> parsed = new ConcurrentHashMap<>();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final AtomicLong scored = new AtomicLong();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().daemon().name("osprey-online-scoring").unstarted(r));
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param interval how often the poller looks for new traces
     * @param queueCapacity (trace, scorer) tasks waiting at most
     * @param concurrency tasks judged at once
     * @param lookback how far behind its watermark each scan starts again, for traces that arrive late
     */
    public record Settings(Duration interval, int queueCapacity, int concurrency, Duration lookback) {
        public Settings {
            if (interval.isNegative() || interval.isZero() || queueCapacity < 1 || concurrency < 1
                    || lookback.isNegative()) {
                throw new IllegalArgumentException("Online scoring needs a positive interval, queue and concurrency.");
            }
        }

        /**
         * {@code OSPREY_ONLINE_SCORING_INTERVAL_MS} (10000), {@code _QUEUE} (1000), {@code _CONCURRENCY} (8),
         * {@code _LOOKBACK_MS} (600000).
         */
        public static Settings fromEnvironment(Map<String, String> env) {
            return new Settings(Duration.ofMillis(number(env, "OSPREY_ONLINE_SCORING_INTERVAL_MS", 10_000)),
                    (int) number(env, "OSPREY_ONLINE_SCORING_QUEUE", 1000),
                    (int) number(env, "OSPREY_ONLINE_SCORING_CONCURRENCY", 8),
                    Duration.ofMillis(number(env, "OSPREY_ONLINE_SCORING_LOOKBACK_MS", 600_000)));
        }

        private static long number(Map<String, String> env, String key, long fallback) {
            String v = env.getOrDefault(key, "").trim();
            try {
                return v.isEmpty() ? fallback : Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'.");
            }
        }
    }

    private record Task(OnlineConfig config, Scorer scorer, String traceId) {
        String key() {
            return config.scorerId() + "/" + traceId;
        }
    }

    /** @param workspaces where each experiment is: its judges use that workspace's gateway endpoints */
    public OnlineScoring(ScorerStore scorers, TraceStore traces, dev.osprey.store.WorkspaceStore workspaces,
            ScorerSpecs.JudgeModels models, Clock clock,
            Settings settings) {
        this.scorers = scorers;
        this.traces = traces;
        this.workspaces = workspaces;
        this.items = new TraceItems(traces);
        this.models = models;
        this.clock = clock;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    }

    public void start() {
        long ms = settings.interval().toMillis();
        poller.scheduleWithFixedDelay(this::pollSafely, ms, ms, TimeUnit.MILLISECONDS);
        for (int i = 0; i < settings.concurrency(); i++) {
            workers.submit(this::work);
        }
    }

    /** How many assessments the workers have written since start. */
    public long scoredCount() {
        return scored.get();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warn("Online scoring poll failed; retrying next round: {}", e.toString());
        }
    }

    /** One round over every active configuration. */
    void poll() {
        for (OnlineConfig config : scorers.activeOnlineConfigs()) {
            Optional<Scorer> scorer = scorer(config);
            if (scorer.isPresent() && !pollConfig(config, scorer.get())) {
                return;
            }
        }
    }

    private Optional<Scorer> scorer(OnlineConfig config) {
        Optional<ScorerVersion> latest = scorers.get(config.experimentId(), config.name(), Optional.empty());
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        String key = latest.get().scorerId() + "@" + latest.get().version();
        if (refused.contains(key)) {
            return Optional.empty();
        }
        try {
            String workspace = workspaces.workspaceOf(dev.osprey.store.WorkspaceStore.Kind.EXPERIMENT,
                    config.experimentId());
            Scorer s = parsed.computeIfAbsent(key, k -> ScorerSpecs.parse(config.name(),
                    latest.get().serializedScorer(), models.in(workspace)));
            if (s.sessionLevel()) {
                throw new UnsupportedScorerException("session-level scorers are not run online yet");
            }
            return Optional.of(s);
        } catch (UnsupportedScorerException e) {
            refused.add(key);
            LOG.warn("Online scorer '{}' in experiment {} cannot run: {}", config.name(), config.experimentId(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Scans one configuration's new traces; false when the queue filled up (stop this round). */
    private boolean pollConfig(OnlineConfig config, Scorer scorer) {
        long watermark = watermarks.getOrDefault(config.configId(), config.updateTime());
        long from = Math.max(config.updateTime(), watermark - settings.lookback().toMillis());
        String filter = "trace.timestamp_ms >= " + Math.max(0, from)
                + config.filter().filter(f -> !f.isBlank()).map(f -> " AND " + f).orElse("");
        Optional<String> token = Optional.empty();
        long advance = watermark;
        boolean blocked = false;
        do {
            Page<TraceInfo> page = traces.searchTraces(new TraceQuery(List.of(config.experimentId()),
                    EntityGrammar.TRACES.parseFilter(filter), List.of(new Ordering(dev.osprey.search.Field.ATTRIBUTE,
                            "timestamp_ms", true)), PAGE, token));
            List<TraceInfo> candidates = new ArrayList<>();
            for (TraceInfo t : page.items()) {
                if (t.state() == TraceState.IN_PROGRESS) {
                    blocked = true;
                    break;
                }
                if (sampled(t.traceId(), config)) {
                    candidates.add(t);
                } else if (!blocked) {
                    advance = Math.max(advance, t.requestTimeMs());
                }
            }
            Map<String, List<Assessment>> existing = traces.assessments(candidates.stream()
                    .map(TraceInfo::traceId).toList());
            for (TraceInfo t : candidates) {
                Task task = new Task(config, scorer, t.traceId());
                if (!done(existing.getOrDefault(t.traceId(), List.of()), config.scorerId())
                        && inFlight.add(task.key())) {
                    if (!queue.offer(task)) {
                        inFlight.remove(task.key());
                        watermarks.put(config.configId(), advance);
                        return false;
                    }
                }
                advance = Math.max(advance, t.requestTimeMs());
            }
            token = blocked ? Optional.empty() : page.nextPageToken();
        } while (token.isPresent());
        watermarks.put(config.configId(), advance);
        return true;
    }

    static boolean done(List<Assessment> assessments, String scorerId) {
        return !FeedbackAssessments.tagged(assessments, FeedbackAssessments.ONLINE_SCORER_ID, scorerId).isEmpty();
    }

    /** Deterministic: the same trace and scorer are always in or out of the sample. */
    static boolean sampled(String traceId, OnlineConfig config) {
        if (config.sampleRate() >= 1) {
            return true;
        }
        byte[] h = Sha256.of(config.scorerId() + ":" + traceId);
        long bucket = ((h[0] & 0xffL) << 16) | ((h[1] & 0xffL) << 8) | (h[2] & 0xffL);
        return bucket < config.sampleRate() * (1 << 24);
    }

    private void work() {
        while (!Thread.currentThread().isInterrupted()) {
            Task task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                score(task);
            } catch (RuntimeException e) {
                LOG.warn("Online scoring of trace {} by '{}' failed; it is retried on a later scan: {}",
                        task.traceId(), task.config().name(), e.toString());
            } finally {
                inFlight.remove(task.key());
            }
        }
    }

    private void score(Task task) {
        TraceItems.StoredTrace trace = items.read(task.traceId());
        Feedback feedback = task.scorer().safely(trace.item());
        if (Thread.currentThread().isInterrupted()) {
            return; // cut short by shutdown: not the model's verdict; a later scan judges it again
        }
        traces.createAssessment(FeedbackAssessments.of(task.traceId(), feedback, task.config().name(),
                Map.of(FeedbackAssessments.ONLINE_SCORER_ID, task.config().scorerId()), clock.millis()));
        scored.incrementAndGet();
    }

    @Override
    public void close() {
        poller.shutdownNow();
        workers.shutdownNow();
    }
}
