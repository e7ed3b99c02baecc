package dev.osprey.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * Judge alignment as server jobs: a registered judge learns from the human feedback on traces (MemAlign or SIMBA),
 * is measured against held-out feedback before and after, and is registered as the scorer's next version when asked.
 * Obtained from {@link OspreyClient#judgeAlignment()}.
 */
public final class JudgeAlignmentClient {
    private static final String P = "/api/3.0/osprey/scorers/align";
    private final Transport transport;

    JudgeAlignmentClient(Transport transport) {
        this.transport = transport;
    }

    /** The two optimizers: memory (guidelines and similar examples) or a search over the judge's prompt. */
    public enum Optimizer {
        MEMALIGN, SIMBA;

        /** {@code memalign} or {@code simba}, any case. */
        public static Optimizer of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * What to align and how. Make one with {@link #of} and refine it with the {@code with...} methods.
     *
     * @param traceIds the traces whose human feedback to learn from; empty: the experiment's traces matching
     *     {@code filter} (all when empty)
     * @param options the optimizer's options by MLflow's names ({@code reflection_model}, {@code retrieval_k},
     *     {@code embedding_model}, {@code embedding_dim}, {@code max_steps}, {@code max_demos}, {@code batch_size},
     *     {@code num_candidates}, {@code seed}); the server's defaults for the rest
     */
    public record Request(String experimentId, String scorerName, Optimizer optimizer, Optional<Integer> version,
            List<String> traceIds, Optional<String> filter, OptionalDouble holdoutFraction, boolean register,
            Map<String, Object> options) {
        public Request {
            Objects.requireNonNull(experimentId, "experimentId");
            Objects.requireNonNull(scorerName, "scorerName");
            Objects.requireNonNull(optimizer, "optimizer");
            Objects.requireNonNull(version, "version");
            traceIds = List.copyOf(traceIds);
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(holdoutFraction, "holdoutFraction");
            options = Map.copyOf(options);
        }

        /** The latest version of the judge, all the experiment's traces, the server's defaults, not registered. */
        public static Request of(String experimentId, String scorerName, Optimizer optimizer) {
            return new Request(experimentId, scorerName, optimizer, Optional.empty(), List.of(), Optional.empty(),
                    OptionalDouble.empty(), false, Map.of());
        }

        public Request withTraces(List<String> ids) {
            return new Request(experimentId, scorerName, optimizer, version, ids, filter, holdoutFraction, register,
                    options);
        }

        /** Traces of the experiment matching a trace search filter. */
        public Request withFilter(String traceFilter) {
            return new Request(experimentId, scorerName, optimizer, version, traceIds, Optional.of(traceFilter),
                    holdoutFraction, register, options);
        }

        /** The share of labelled examples kept aside to measure agreement on (server default 0.2). */
        public Request withHoldout(double fraction) {
            return new Request(experimentId, scorerName, optimizer, version, traceIds, filter,
                    OptionalDouble.of(fraction), register, options);
        }

        /** Aligns this version of the judge instead of the latest. */
        public Request ofVersion(int judgeVersion) {
            return new Request(experimentId, scorerName, optimizer, Optional.of(judgeVersion), traceIds, filter,
                    holdoutFraction, register, options);
        }

        /** Registers the aligned judge as the scorer's next version when the job succeeds. */
        public Request registering() {
            return new Request(experimentId, scorerName, optimizer, version, traceIds, filter, holdoutFraction, true,
                    options);
        }

        /** One optimizer option (a string, number or boolean). */
        public Request withOption(String name, Object value) {
            Map<String, Object> more = new LinkedHashMap<>(options);
            more.put(name, value);
            return new Request(experimentId, scorerName, optimizer, version, traceIds, filter, holdoutFraction,
                    register, more);
        }
    }

    /** A judge's agreement with people on the held-out feedback. */
    public record Agreement(double accuracy, double cohenKappa, int agreed, int total, int errors) {}

    /**
     * What a finished alignment reports.
     *
     * @param guidelines MemAlign's guidelines (all the aligned judge holds)
     * @param rules SIMBA's learned rules
     * @param alignedScorer the aligned judge in MLflow's serialized form (JSON)
     */
    public record Result(int trainCount, int heldOutCount, Optional<Agreement> base, Optional<Agreement> aligned,
            List<String> guidelines, List<String> rules, long judgeCalls, long reflectionCalls,
            Optional<Integer> registeredVersion, String alignedScorer) {}

    /**
     * A job as the server reports it.
     *
     * @param status MLflow's job status: PENDING, RUNNING, SUCCEEDED, FAILED, TIMEOUT or CANCELED
     */
    public record Job(String jobId, String status, long completed, long total, Optional<Result> result,
            Optional<String> error) {
        public boolean finished() {
            return !status.equals("PENDING") && !status.equals("RUNNING");
        }

        /** The share of model calls made, when the job has counted them. */
        public Optional<Double> progress() {
            return total > 0 ? Optional.of((double) completed / total) : Optional.empty();
        }
    }

    public Job start(Request r) {
        ObjectNode body = Json.object().put("experiment_id", r.experimentId()).put("name", r.scorerName())
                .put("register", r.register());
        r.version().ifPresent(v -> body.put("version", v));
        if (!r.traceIds().isEmpty()) {
            r.traceIds().forEach(body.putArray("trace_ids")::add);
        }
        r.filter().ifPresent(f -> body.put("filter_string", f));
        r.holdoutFraction().ifPresent(f -> body.put("holdout_fraction", f));
        ObjectNode optimizer = body.putObject("optimizer").put("type", r.optimizer().name().toLowerCase(Locale.ROOT));
        r.options().forEach((k, v) -> optimizer.set(k, Json.MAPPER.valueToTree(v)));
        return job(transport.post(P, body).message("job").orElseThrow());
    }

    public Job get(String jobId) {
        return job(transport.get(P + "/" + jobId, Map.of()).message("job").orElseThrow());
    }

    /** The experiment's alignment jobs, newest first. */
    public List<Job> list(String experimentId) {
        List<Job> out = new ArrayList<>();
        for (Message m : transport.get(P, Map.of("experiment_id", List.of(experimentId))).messages("jobs")) {
            out.add(job(m));
        }
        return out;
    }

    /** What {@link #unalign} removed, and the judge left. */
    public record Unaligned(int removedExamples, int removedGuidelines, Optional<Integer> registeredVersion,
            String alignedScorer) {}

    /**
     * MLflow's {@code unalign}: the latest version of a MemAlign judge without the feedback of these traces (their
     * examples, and guidelines that came only from them); registered as the next version when {@code register} is
     * set and something was removed.
     */
    public Unaligned unalign(String experimentId, String scorerName, List<String> traceIds, boolean register) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("name", scorerName)
                .put("register", register);
        traceIds.forEach(body.putArray("trace_ids")::add);
        JsonNode r = transport.post("/api/3.0/osprey/scorers/unalign", body).json();
        return new Unaligned(r.path("removed_examples").asInt(), r.path("removed_guidelines").asInt(),
                r.has("registered_version") ? Optional.of(r.path("registered_version").asInt()) : Optional.empty(),
                Json.writeString(r.path("aligned_scorer")));
    }

    /** Stops the job after its current model call; nothing is registered. */
    public Job cancel(String jobId) {
        return job(transport.post(P + "/" + jobId + "/cancel", Json.object()).message("job").orElseThrow());
    }

    /** Polls until the job finishes, telling {@code progress} each state seen. */
    public Job await(String jobId, Duration poll, Consumer<Job> progress) {
        return Polling.until(() -> get(jobId), Job::finished, poll, progress);
    }

    private static Job job(Message m) {
        JsonNode j = m.json();
        JsonNode r = j.path("result");
        Optional<Result> result = r.isObject() ? Optional.of(result(r)) : Optional.empty();
        Optional<String> error = r.isTextual() ? Optional.of(r.asText()) : Optional.empty();
        return new Job(j.path("job_id").asText(), j.path("status").asText(),
                j.at("/status_details/completed").asLong(0), j.at("/status_details/total").asLong(0), result, error);
    }

    private static Result result(JsonNode r) {
        List<String> guidelines = new ArrayList<>();
        r.path("guidelines").forEach(g -> guidelines.add(g.path("guideline_text").asText()));
        List<String> rules = new ArrayList<>();
        r.path("rules").forEach(x -> rules.add(x.asText()));
        return new Result(r.path("train_count").asInt(), r.path("held_out_count").asInt(),
                agreement(r.path("base_agreement")), agreement(r.path("aligned_agreement")), guidelines, rules,
                r.at("/model_calls/judge").asLong(), r.at("/model_calls/reflection").asLong(),
                r.has("registered_version") ? Optional.of(r.path("registered_version").asInt()) : Optional.empty(),
                Json.writeString(r.path("aligned_scorer")));
    }

    private static Optional<Agreement> agreement(JsonNode a) {
        return a.isObject() ? Optional.of(new Agreement(a.path("accuracy").asDouble(), a.path("cohen_kappa")
                .asDouble(), a.path("agreed").asInt(), a.path("total").asInt(), a.path("errors").asInt()))
                : Optional.empty();
    }
}
