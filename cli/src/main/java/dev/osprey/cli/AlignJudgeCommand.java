package dev.osprey.cli;

import dev.osprey.client.JudgeAlignmentClient;
import dev.osprey.client.JudgeAlignmentClient.Agreement;
import dev.osprey.client.JudgeAlignmentClient.Job;
import dev.osprey.client.OspreyClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code osprey align-judge}: aligns a registered judge with the human feedback on an experiment's traces (MemAlign
 * or SIMBA) as a server job, showing progress, then the judge's agreement with people on held-out feedback before and
 * after, and what it learned. The job runs in the server; {@code --job} follows one already started.
 */
@Command(name = "align-judge", mixinStandardHelpOptions = true, description = "Align a registered judge with human "
        + "feedback on the server (MemAlign or SIMBA); optionally register it as the judge's next version.")
public final class AlignJudgeCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Option(names = {"--judge", "--name"}, paramLabel = "NAME", description = "The registered judge (scorer) to "
            + "align; people's feedback must carry the same name.")
    String judge;

    @Option(names = "--optimizer", defaultValue = "memalign", description = "memalign or simba (default: "
            + "${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--traces", split = ",", paramLabel = "TRACE_ID", description = "The traces to learn from "
            + "(default: the experiment's traces, narrowed by --filter).")
    List<String> traces = List.of();

    @Option(names = "--filter", paramLabel = "FILTER", description = "A trace search filter choosing the traces.")
    String filter;

    @Option(names = "--holdout", paramLabel = "FRACTION", description = "Share of the feedback kept aside to measure "
            + "agreement on (server default 0.2).")
    Double holdout;

    @Option(names = "--reflection-model", paramLabel = "MODEL_URI", description = "The model that learns from the "
            + "feedback (default: the judge's own model).")
    String reflectionModel;

    @Option(names = "--embedding-model", paramLabel = "MODEL_URI", description = "MemAlign: the model examples are "
            + "found with, e.g. gateway:/embeddings (server default openai:/text-embedding-3-small).")
    String embeddingModel;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "Another optimizer option by MLflow's name "
            + "(retrieval_k, embedding_dim, max_steps, max_demos, batch_size, num_candidates, seed).")
    Map<String, String> options = Map.of();

    @Option(names = "--register", description = "Register the aligned judge as the judge's next version.")
    boolean register;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Follow an alignment job already started.")
    String job;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        OspreyClient client = target.client();
        JudgeAlignmentClient alignment = client.judgeAlignment();
        return CliJobs.follow("align-judge", "Judge alignment job", err,
                () -> job != null ? job : start(client, alignment),
                id -> alignment.await(id, Duration.ofMillis(500), this::progress), this::report);
    }

    private String start(OspreyClient client, JudgeAlignmentClient alignment) {
        if (target.experiment == null || judge == null) {
            err.println("osprey align-judge: give --experiment and --judge (people's feedback on the experiment's "
                    + "traces must carry the judge's name), or --job to follow a job.");
            return null;
        }
        JudgeAlignmentClient.Optimizer kind;
        try {
            kind = JudgeAlignmentClient.Optimizer.of(optimizer);
        } catch (IllegalArgumentException e) {
            err.println("osprey align-judge: --optimizer is memalign or simba, not '" + optimizer + "'.");
            return null;
        }
        String experimentId = CliJobs.experimentId(client, target.experiment).orElse(null);
        if (experimentId == null) {
            err.println("osprey align-judge: no experiment named '" + target.experiment + "'.");
            return null;
        }
        JudgeAlignmentClient.Request request = JudgeAlignmentClient.Request.of(experimentId, judge, kind)
                .withTraces(traces);
        if (filter != null) {
            request = request.withFilter(filter);
        }
        if (holdout != null) {
            request = request.withHoldout(holdout);
        }
        if (register) {
            request = request.registering();
        }
        if (reflectionModel != null) {
            request = request.withOption("reflection_model", reflectionModel);
        }
        if (embeddingModel != null) {
            request = request.withOption("embedding_model", embeddingModel);
        }
        for (var e : options.entrySet()) {
            request = request.withOption(e.getKey(), number(e.getValue()));
        }
        return alignment.start(request).jobId();
    }

    /** Option values that read as numbers go as numbers (the server's options are typed). */
    private static Object number(String value) {
        try {
            return value.contains(".") ? (Object) Double.parseDouble(value) : (Object) Long.parseLong(value);
        } catch (NumberFormatException e) {
            return value;
        }
    }

    /** {@code [#####.....]  50%  12/24 model calls  RUNNING}. */
    private void progress(Job j) {
        double done = j.progress().orElse(j.finished() ? 1.0 : 0.0);
        CliJobs.progressBar(err, done, String.format("%3d%%  %d/%d model calls  %s",
                Math.round(100 * Math.min(1.0, done)), j.completed(), j.total(), j.status()));
    }

    private int report(Job j) {
        if (!j.status().equals("SUCCEEDED") || j.result().isEmpty()) {
            err.println("osprey align-judge: job " + j.jobId() + " ended " + j.status() + j.error().map(e -> ": " + e)
                    .orElse(""));
            return 1;
        }
        JudgeAlignmentClient.Result r = j.result().get();
        out.printf("learned from %d labelled examples; measured on %d held out%n", r.trainCount(), r.heldOutCount());
        out.printf("%-10s %10s %10s%n", "judge", "agreement", "kappa");
        row("before", r.base());
        row("after", r.aligned());
        r.guidelines().forEach(g -> out.println("guideline: " + g));
        r.rules().forEach(g -> out.println("rule: " + g));
        out.printf("model calls: %d judge, %d reflection%n", r.judgeCalls(), r.reflectionCalls());
        out.println(r.registeredVersion().map(v -> "registered as version " + v + " of "
                + Optional.ofNullable(judge).orElse("the judge"))
                .orElse("not registered (use --register to make it the judge's next version)"));
        return 0;
    }

    private void row(String label, Optional<Agreement> a) {
        if (a.isEmpty()) {
            out.printf("%-10s %10s %10s%n", label, "-", "-");
        } else {
            out.printf("%-10s %9.1f%% %10.3f%n", label, 100 * a.get().accuracy(), a.get().cohenKappa());
        }
    }
}
