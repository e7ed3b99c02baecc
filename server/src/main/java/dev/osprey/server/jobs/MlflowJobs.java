package dev.osprey.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.store.JobStore;
import dev.osprey.store.JobStore.Job;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLflow's job API (3.x {@code /ajax-api/3.0/jobs}) on the server's {@link JobStore}: jobs are rows of the kind of
 * their job name, run on virtual threads, resumed from the start after a restart (MLflow's Huey queue re-runs them
 * too), canceled or timed out at a unit boundary. Statuses are stored as the evaluation jobs store them and shown
 * with MLflow's names ({@link #status}).
 */
public final class MlflowJobs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MlflowJobs.class);
    private final JobStore jobs;
    private final Map<String, JobFunction> functions = new LinkedHashMap<>();
    private final Clock clock;
    private final ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<String> canceled = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public MlflowJobs(JobStore jobs, Collection<JobFunction> functions, Clock clock) {
        this.jobs = jobs;
        functions.forEach(f -> this.functions.put(f.name(), f));
        this.clock = clock;
    }

    /** A stored job as MLflow's API shows it: its own params and timeout, unwrapped. */
    public record MlflowJob(Job job, ObjectNode params, OptionalDouble timeoutSeconds) {
        public String name() {
            return job.kind();
        }
    }

    /** MLflow's JobStatus name of a stored status. */
    public static String status(Job job) {
        return switch (job.status()) {
            case "IN_PROGRESS" -> "RUNNING";
            case "COMPLETED" -> "SUCCEEDED";
            default -> job.status();
        };
    }

    public MlflowJob submit(String name, ObjectNode params, OptionalDouble timeoutSeconds) {
        return submitChecked(name, function(name).experimentOf(params), params, timeoutSeconds);
    }

    /**
     * {@link #submit} for a caller that has already checked the params with the job's function and holds the
     * experiment it named (routes that make the job's run first, or submit one job per batch).
     */
    public MlflowJob submitChecked(String name, String experimentId, ObjectNode params,
            OptionalDouble timeoutSeconds) {
        function(name);
        if (timeoutSeconds.isPresent() && !(timeoutSeconds.getAsDouble() > 0)) {
            throw OspreyException.invalid("'timeout' must be a positive number of seconds.");
        }
        ObjectNode stored = Json.object();
        stored.set("params", params);
        timeoutSeconds.ifPresent(t -> stored.put("timeout", t));
        long now = clock.millis();
        Job job = new Job(UUID.randomUUID().toString(), name, experimentId, Optional.empty(), "PENDING",
                Json.writeString(stored), 0, 0, Optional.empty(), Optional.empty(), now, now);
        jobs.create(job);
        runner.submit(() -> execute(job.jobId()));
        return view(job);
    }

    private JobFunction function(String name) {
        JobFunction f = functions.get(name);
        if (f == null) {
            throw OspreyException.invalid("Invalid job name: " + name);
        }
        return f;
    }

    /** A job of one of the API's names; evaluation jobs and the like are not this API's. */
    public Optional<MlflowJob> get(String jobId) {
        return jobs.get(jobId).filter(j -> functions.containsKey(j.kind())).map(MlflowJobs::view);
    }

    public MlflowJob require(String jobId) {
        return get(jobId).orElseThrow(() -> OspreyException.notFound("Job with ID " + jobId + " not found"));
    }

    /** The newest jobs of the names given (all when none), newest first. */
    public List<MlflowJob> list(Optional<String> name, int maxResults) {
        if (name.isPresent()) {
            function(name.get());
        }
        return functions.keySet().stream().filter(n -> name.isEmpty() || name.get().equals(n))
                .flatMap(n -> jobs.listOfKind(n, maxResults).stream())
                .sorted(java.util.Comparator.comparingLong(Job::createdTime).reversed())
                .limit(maxResults).map(MlflowJobs::view).toList();
    }

    /** The experiment's jobs of one name, newest first. */
    public List<MlflowJob> listIn(String experimentId, String name, int maxResults) {
        function(name);
        return jobs.list(experimentId, name, maxResults).stream().map(MlflowJobs::view).toList();
    }

    /** Stops the job if it runs and forgets it. */
    public void delete(String jobId) {
        cancel(jobId);
        jobs.delete(jobId);
    }

    public MlflowJob cancel(String jobId) {
        MlflowJob job = require(jobId);
        if (job.job().finished()) {
            return job;
        }
        canceled.add(jobId);
        return view(jobs.update(jobId, "CANCELED", job.job().completed(), job.job().total(), Optional.empty(),
                Optional.empty(), clock.millis()));
    }

    /** Runs again what a previous server left PENDING or RUNNING. */
    public void resumeUnfinished() {
        for (String name : functions.keySet()) {
            for (Job job : jobs.unfinished(name)) {
                LOG.info("Resuming job {} ({})", job.jobId(), name);
                runner.submit(() -> execute(job.jobId()));
            }
        }
    }

    private static MlflowJob view(Job job) {
        JsonNode stored = parse(job.paramsJson());
        ObjectNode params = stored.path("params") instanceof ObjectNode p ? p : Json.object();
        OptionalDouble timeout = stored.path("timeout").isNumber()
                ? OptionalDouble.of(stored.path("timeout").asDouble()) : OptionalDouble.empty();
        return new MlflowJob(job, params, timeout);
    }

    /** A stored JSON text; text that is not JSON as a string node. */
    public static JsonNode parse(String json) {
        try {
            return Json.read(json);
        } catch (java.io.IOException e) {
            return com.fasterxml.jackson.databind.node.TextNode.valueOf(json);
        }
    }

    private void execute(String jobId) {
        MlflowJob job = view(jobs.get(jobId).orElseThrow());
        if (job.job().finished() || closed) {
            return;
        }
        long started = clock.millis();
        long deadline = job.timeoutSeconds().isPresent()
                ? started + (long) (job.timeoutSeconds().getAsDouble() * 1000) : Long.MAX_VALUE;
        long[] progress = {0, 0};
        jobs.update(jobId, "IN_PROGRESS", 0, 0, Optional.empty(), Optional.empty(), started);
        JobFunction.Progress tracker = new JobFunction.Progress() {
            @Override
            public boolean stopped() {
                return closed || canceled.contains(jobId) || clock.millis() > deadline
                        || Thread.currentThread().isInterrupted();
            }

            @Override
            public String jobId() {
                return jobId;
            }

            @Override
            public void report(long completed, long total) {
                progress[0] = completed;
                progress[1] = total;
                jobs.update(jobId, "IN_PROGRESS", completed, total, Optional.empty(), Optional.empty(),
                        clock.millis());
            }
        };
        try {
            JsonNode result = function(job.name()).run(job.params(), tracker);
            if (closed || canceled.contains(jobId)) {
                return; // canceled: the row says so; closing: the next server runs it again
            }
            boolean timedOut = clock.millis() > deadline;
            jobs.update(jobId, timedOut ? "TIMEOUT" : "COMPLETED", progress[0], progress[1],
                    timedOut ? Optional.empty() : Optional.of(Json.writeString(result)), Optional.empty(),
                    clock.millis());
        } catch (RuntimeException e) {
            if (closed) {
                // Stopped by the server closing (an interrupted write, a store shut underneath): not the job's
                // failure. The row stays IN_PROGRESS and the next server runs the job again.
                LOG.info("Job {} ({}) stopped by shutdown; it runs again when the server starts", jobId, job.name());
                return;
            }
            fail(jobId, job, progress, e);
        } finally {
            canceled.remove(jobId);
        }
    }

    /** A client's mistake found while running keeps its message; the server's own failure is logged, not shown. */
    private void fail(String jobId, MlflowJob job, long[] progress, RuntimeException e) {
        String message;
        if (e instanceof OspreyException mistake) {
            message = mistake.getMessage();
        } else {
            LOG.warn("Job {} ({}) failed", jobId, job.name(), e);
            message = "The job failed on the server: " + e.getClass().getSimpleName();
        }
        jobs.update(jobId, "FAILED", progress[0], progress[1], Optional.empty(), Optional.of(message),
                clock.millis());
    }

    @Override
    public void close() {
        closed = true;
        runner.shutdownNow();
        try {
            runner.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
