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
import dev.osprey.store.SessionSummary;
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
 *
 * <p>Session-level scorers ({@code {{ conversation }}} judges) judge sessions instead: a session is judged once no
 * trace has arrived for {@link Settings#sessionIdle}, and again when it has grown since (the newer verdict replaces
 * the older, as MLflow re-scores). The verdict sits on the session's first trace and records how many traces it saw,
 * which is how a restarted server knows what is done.
 */
public final class OnlineScoring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineScoring.class);
    private static final int PAGE = 200;
    /** MLflow's assessment metadata key naming the session an online session verdict is about. */
    static final String SESSION_ID = "mlflow.assessment.onlineScoringSessionId";
    /** How many of the session's traces the verdict saw. */
    static final String SESSION_TRACES = "osprey.onlineScoring.sessionTraces";
    private final ScorerStore scorers;
    private final TraceStore traces;
    private final TraceItems items;
    private final SessionItems sessions;
    /** Sessions judged per (scorer, session) key, by their length then: a longer session is judged again. */
    private final Map<String, Long> judgedSessions = new ConcurrentHashMap<>();
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
     * @param sessionIdle how long a session has had no new trace before session-level scorers judge it (MLflow's
     *     session completion buffer)
     */
    public record Settings(Duration interval, int queueCapacity, int concurrency, Duration lookback,
            Duration sessionIdle) {
        /** MLflow's {@code MLFLOW_ONLINE_SCORING_DEFAULT_SESSION_COMPLETION_BUFFER_SECONDS} default. */
        static final Duration DEFAULT_SESSION_IDLE = Duration.ofMinutes(5);

        public Settings {
            if (interval.isNegative() || interval.isZero() || queueCapacity < 1 || concurrency < 1
                    || lookback.isNegative() || sessionIdle.isNegative()) {
                throw new IllegalArgumentException("Online scoring needs a positive interval, queue and concurrency.");
            }
        }

        public Settings(Duration interval, int queueCapacity, int concurrency, Duration lookback) {
            this(interval, queueCapacity, concurrency, lookback, DEFAULT_SESSION_IDLE);
        }

        /**
         * {@code OSPREY_ONLINE_SCORING_INTERVAL_MS} (10000), {@code _QUEUE} (1000), {@code _CONCURRENCY} (8),
         * {@code _LOOKBACK_MS} (600000), {@code _SESSION_IDLE_MS} (MLflow's
         * {@code MLFLOW_ONLINE_SCORING_DEFAULT_SESSION_COMPLETION_BUFFER_SECONDS} when set, else 300000).
         */
        public static Settings fromEnvironment(Map<String, String> env) {
            long mlflowBuffer = number(env, "MLFLOW_ONLINE_SCORING_DEFAULT_SESSION_COMPLETION_BUFFER_SECONDS",
                    DEFAULT_SESSION_IDLE.toSeconds());
            return new Settings(Duration.ofMillis(number(env, "OSPREY_ONLINE_SCORING_INTERVAL_MS", 10_000)),
                    (int) number(env, "OSPREY_ONLINE_SCORING_QUEUE", 1000),
                    (int) number(env, "OSPREY_ONLINE_SCORING_CONCURRENCY", 8),
                    Duration.ofMillis(number(env, "OSPREY_ONLINE_SCORING_LOOKBACK_MS", 600_000)),
                    Duration.ofMillis(number(env, "OSPREY_ONLINE_SCORING_SESSION_IDLE_MS",
                            Math.max(0, mlflowBuffer) * 1000)));
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

    /** One trace to judge, or (for a session-level scorer) one session: {@code subject} is then the session id. */
    private record Task(OnlineConfig config, Scorer scorer, String subject, boolean session) {
        String key() {
            return key(config, subject, session);
        }

        static String key(OnlineConfig config, String subject, boolean session) {
            return config.scorerId() + (session ? "/session:" : "/") + subject;
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
        this.sessions = new SessionItems(traces);
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
            if (scorer.isPresent() && !(scorer.get().sessionLevel() ? pollSessions(config, scorer.get())
                    : pollConfig(config, scorer.get()))) {
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
            return Optional.of(parsed.computeIfAbsent(key, k -> ScorerSpecs.parse(config.name(),
                    latest.get().serializedScorer(), models.in(workspace))));
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
                Task task = new Task(config, scorer, t.traceId(), false);
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

    /**
     * Finds the experiment's sessions that have gone quiet ({@link Settings#sessionIdle}) since the configuration
     * was set and that the scorer has not judged at their current length: a session that grows after it was judged
     * is judged again (MLflow's re-scoring of a session). False when the queue filled up.
     */
    private boolean pollSessions(OnlineConfig config, Scorer scorer) {
        long quietSince = clock.millis() - settings.sessionIdle().toMillis();
        // Sessions that went quiet longer ago than the lookback were judged by earlier rounds (or are as late as a
        // trace past the lookback): the walk stops there instead of reading every session the experiment has.
        long oldest = Math.max(config.updateTime(), quietSince - settings.lookback().toMillis());
        Optional<String> token = Optional.empty();
        do {
            Page<SessionSummary> page = traces.sessions(config.experimentId(), PAGE, token);
            for (SessionSummary s : page.items()) {
                if (s.lastEndMs() < oldest) {
                    return true; // most recently active first: the rest ended before the window
                }
                String key = Task.key(config, s.sessionId(), true);
                if (s.lastEndMs() > quietSince || !sampled(s.sessionId(), config)
                        || judgedSessions.getOrDefault(key, 0L) >= s.traceCount() || !inFlight.add(key)) {
                    continue;
                }
                if (!queue.offer(new Task(config, scorer, s.sessionId(), true))) {
                    inFlight.remove(key);
                    return false;
                }
            }
            token = page.nextPageToken();
        } while (token.isPresent());
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
                        task.subject(), task.config().name(), e.toString());
            } finally {
                inFlight.remove(task.key());
            }
        }
    }

    private void score(Task task) {
        if (task.session()) {
            scoreSession(task);
            return;
        }
        TraceItems.StoredTrace trace = items.read(task.subject());
        Feedback feedback = task.scorer().safely(trace.item());
        if (Thread.currentThread().isInterrupted()) {
            return; // cut short by shutdown: not the model's verdict; a later scan judges it again
        }
        traces.createAssessment(FeedbackAssessments.of(task.subject(), feedback, task.config().name(),
                Map.of(FeedbackAssessments.ONLINE_SCORER_ID, task.config().scorerId()), clock.millis()));
        scored.incrementAndGet();
    }

    /**
     * Judges a whole session; the feedback goes on its first trace with the session id (MLflow's
     * {@code mlflow.assessment.onlineScoringSessionId}) and how many traces were judged. An earlier verdict of the
     * same scorer on a shorter session is replaced; one at this length means the work is done (after a restart).
     */
    private void scoreSession(Task task) {
        String key = task.key();
        Optional<SessionItems.StoredSession> read = sessions.read(task.config().experimentId(), task.subject());
        if (read.isEmpty()) {
            return;
        }
        SessionItems.StoredSession session = read.get();
        long length = session.traceIds().size();
        String first = session.firstTraceId();
        if (!firstTraceMatches(task.config(), session)) {
            judgedSessions.put(key, length);
            return;
        }
        List<Assessment> earlier = FeedbackAssessments.taggedAssessments(traces.assessments(List.of(first))
                .getOrDefault(first, List.of()), FeedbackAssessments.ONLINE_SCORER_ID, task.config().scorerId());
        long judged = earlier.stream().mapToLong(a -> DatasetRecords.parse(a.body()).path("metadata")
                .path(SESSION_TRACES).asLong(0)).max().orElse(0);
        if (judged >= length) {
            judgedSessions.put(key, judged);
            return;
        }
        Feedback feedback = task.scorer().safely(session.item());
        if (Thread.currentThread().isInterrupted()) {
            return;
        }
        traces.createAssessment(FeedbackAssessments.of(first, feedback, task.config().name(), Map.of(
                FeedbackAssessments.ONLINE_SCORER_ID, task.config().scorerId(), SESSION_ID, task.subject(),
                SESSION_TRACES, Long.toString(length)), clock.millis()));
        for (Assessment old : earlier) {
            traces.deleteAssessment(first, old.assessmentId());
        }
        judgedSessions.put(key, length);
        scored.incrementAndGet();
    }

    /** MLflow applies a session scorer's filter to the session's first trace. */
    private boolean firstTraceMatches(OnlineConfig config, SessionItems.StoredSession session) {
        if (config.filter().filter(f -> !f.isBlank()).isEmpty()) {
            return true;
        }
        List<dev.osprey.search.Condition> filter = new ArrayList<>(EntityGrammar.TRACES.parseFilter(
                config.filter().get()));
        filter.add(new dev.osprey.search.Condition(dev.osprey.search.Field.METADATA, SessionItems.SESSION,
                dev.osprey.search.Comparator.EQ, new dev.osprey.search.Value.Text(session.sessionId())));
        Page<TraceInfo> page = traces.searchTraces(new TraceQuery(List.of(config.experimentId()), filter,
                List.of(new Ordering(dev.osprey.search.Field.ATTRIBUTE, "timestamp_ms", true)), 1, Optional.empty()));
        return !page.items().isEmpty() && page.items().getFirst().traceId().equals(session.firstTraceId());
    }

    @Override
    public void close() {
        poller.shutdownNow();
        workers.shutdownNow();
    }
}
