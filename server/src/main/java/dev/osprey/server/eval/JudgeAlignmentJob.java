package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.Agreement;
import dev.osprey.eval.Guideline;
import dev.osprey.eval.LabelledExample;
import dev.osprey.eval.Labels;
import dev.osprey.eval.MemAlign;
import dev.osprey.eval.MemoryAugmentedJudge;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.eval.SerializedScorers;
import dev.osprey.eval.Simba;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.jobs.JobFunction;
import dev.osprey.store.StorageComponent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Aligns a registered judge with the human feedback on traces ({@code judge.align(traces, optimizer)} in MLflow), as
 * a job of the server: MemAlign ({@link MemAlign}) or SIMBA ({@link Simba}) learns from the training part of the
 * labelled examples, and both the judge as registered and the aligned judge are measured on the held-out part
 * (accuracy and Cohen's kappa against the people's labels), which the optimizer never sees. The aligned judge is
 * returned in MLflow's serialized form and registered as the scorer's next version only when {@code register} is
 * set. A job the server did not finish runs again from the start after a restart; nothing is registered until the
 * end.
 */
public final class JudgeAlignmentJob implements JobFunction {
    public static final String NAME = "align_judge";
    private final StorageComponent storage;
    private final ScorerSpecs.JudgeModels models;
    private final Clock clock;

    public JudgeAlignmentJob(StorageComponent storage, ScorerSpecs.JudgeModels models, Clock clock) {
        this.storage = storage;
        this.models = models;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String experimentOf(ObjectNode params) {
        return AlignmentPlan.resolve(params, storage, models).experimentId();
    }

    /**
     * Model calls: progress counts each as it happens, against an estimate that grows if it was short; the tallies
     * by kind are added as each phase ends.
     */
    private static final class Calls {
        private final Progress progress;
        private long total;
        private long done;
        long judge;
        long reflection;

        Calls(Progress progress, long estimate) {
            this.progress = progress;
            this.total = Math.max(1, estimate);
        }

        void made() {
            done++;
            total = Math.max(total, done + 1);
            progress.report(done, total);
        }

        void finished() {
            progress.report(done, done);
        }
    }

    @Override
    public JsonNode run(ObjectNode params, Progress progress) {
        AlignmentPlan plan = AlignmentPlan.resolve(params, storage, models);
        long estimate = 2L * plan.heldOut().size() + (plan.optimizer().equals("simba")
                ? (long) plan.simba().maxSteps() * (2L * Math.min(10, plan.train().size()) + 1) + plan.train().size()
                : (plan.train().size() + MemAlign.BATCH - 1) / MemAlign.BATCH);
        Calls calls = new Calls(progress, estimate);
        Optional<Agreement> before = measure(plan.judge(), plan.heldOut(), calls, progress);
        if (progress.stopped()) {
            return Json.object(); // canceled while measuring: no optimizer call after the one in flight
        }
        ObjectNode result = Json.object().put("scorer_name", plan.scorerName()).put("optimizer", plan.optimizer())
                .put("train_count", plan.train().size()).put("held_out_count", plan.heldOut().size());
        Scorer aligned;
        ObjectNode serialized;
        if (plan.optimizer().equals("simba")) {
            Simba.Result simba = Simba.align(plan.baseJudge().named(plan.scorerName()), plan.train(), plan.simba(),
                    plan.reflection(), calls::made, progress::stopped);
            calls.judge += simba.judgeCalls();
            calls.reflection += simba.reflectionCalls();
            aligned = simba.judge();
            serialized = SerializedScorers.instructionsJudge(simba.judge(), OspreyServer.MLFLOW_COMPATIBLE_VERSION);
            result.put("demos", simba.demos().size());
            simba.rules().forEach(result.putArray("rules")::add);
        } else {
            MemAlign.Result memAlign = MemAlign.align(plan.judge(), plan.baseSerialized(), plan.train(),
                    plan.memAlign(), plan.reflection(), plan.embedder().orElseThrow());
            for (int i = 0; i < memAlign.reflectionCalls(); i++) {
                calls.made();
            }
            calls.reflection += memAlign.reflectionCalls();
            aligned = memAlign.judge();
            serialized = memAlign.judge().serialized(OspreyServer.MLFLOW_COMPATIBLE_VERSION);
            ArrayNode guidelines = result.putArray("guidelines");
            for (Guideline g : memAlign.judge().guidelines()) {
                ObjectNode node = guidelines.addObject().put("guideline_text", g.text());
                g.sourceTraceIds().forEach(node.putArray("source_trace_ids")::add);
            }
            result.put("episodic_memory_size", memAlign.judge().episodicTraceIds().size());
            memAlign.problems().forEach(result.withArray("problems")::add);
        }
        if (progress.stopped()) {
            return Json.object();
        }
        Optional<Agreement> after = measure(aligned, plan.heldOut(), calls, progress);
        if (progress.stopped()) {
            return Json.object();
        }
        before.ifPresent(a -> result.set("base_agreement", json(a)));
        after.ifPresent(a -> result.set("aligned_agreement", json(a)));
        result.putObject("model_calls").put("judge", calls.judge).put("reflection", calls.reflection);
        result.set("aligned_scorer", serialized);
        if (plan.register()) {
            var version = storage.scorers().register(plan.experimentId(), plan.scorerName(),
                    Json.writeString(serialized), clock.millis());
            result.put("registered_version", version.version());
        }
        calls.finished();
        return result;
    }

    /** The judge's agreement with the held-out labels; empty with nothing held out or when stopped. */
    private static Optional<Agreement> measure(Scorer judge, List<LabelledExample> heldOut, Calls calls,
            Progress progress) {
        if (heldOut.isEmpty()) {
            return Optional.empty();
        }
        List<String> verdicts = new ArrayList<>();
        for (LabelledExample e : heldOut) {
            if (progress.stopped()) {
                return Optional.empty();
            }
            verdicts.add(Labels.of(judge.safely(e.item())));
            calls.made();
            calls.judge++;
        }
        return Optional.of(Agreement.of(heldOut.stream().map(LabelledExample::label).toList(), verdicts));
    }

    private static ObjectNode json(Agreement a) {
        return Json.object().put("accuracy", a.accuracy()).put("cohen_kappa", a.kappa()).put("agreed", a.agreed())
                .put("total", a.total()).put("errors", a.errors());
    }
}
