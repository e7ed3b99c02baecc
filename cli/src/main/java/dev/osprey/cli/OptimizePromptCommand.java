package dev.osprey.cli;

import dev.osprey.client.OspreyClient;
import dev.osprey.client.PromptOptimizationClient;
import dev.osprey.client.PromptOptimizationClient.Job;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code osprey optimize-prompt}: improves a registered prompt with GEPA or MetaPrompt as a server job, showing
 * progress while it runs, then the scores before and after and the new version. The job runs in the server, so the
 * command may be interrupted and the job followed again with {@code --job}.
 */
@Command(name = "optimize-prompt", mixinStandardHelpOptions = true, description = "Optimize a registered prompt "
        + "on the server (GEPA or MetaPrompt) and register the result as its next version.")
public final class OptimizePromptCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Option(names = "--prompt", paramLabel = "URI", description = "The prompt: prompts:/<name>/<version> or "
            + "prompts:/<name>@<alias>. Its model config names the model it runs on.")
    String prompt;

    @Option(names = "--optimizer", defaultValue = "gepa", description = "gepa or metaprompt (default: "
            + "${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--dataset", paramLabel = "DATASET_ID", description = "The evaluation dataset the prompt runs "
            + "on (d-...).")
    String dataset;

    @Option(names = "--scorers", split = ",", paramLabel = "NAME", description = "Registered scorers or built-in "
            + "judges, by name.")
    List<String> scorers = List.of();

    @Option(names = "--reflection-model", paramLabel = "MODEL_URI", description = "The model that rewrites the "
            + "prompt, e.g. gateway:/my-endpoint.")
    String reflectionModel;

    @Option(names = "--max-metric-calls", paramLabel = "N", description = "GEPA's budget of row evaluations "
            + "(server default 100).")
    Long maxMetricCalls;

    @Option(names = "--guidelines", description = "What the prompt's owner wants the rewrite to respect.")
    String guidelines;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Follow an optimization job already started.")
    String job;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        OspreyClient client = target.client();
        PromptOptimizationClient optimization = client.promptOptimization();
        return CliJobs.follow("optimize-prompt", "Prompt optimization job", err,
                () -> job != null ? job : start(client, optimization),
                id -> optimization.await(id, Duration.ofMillis(500), this::progress), this::report);
    }

    private String start(OspreyClient client, PromptOptimizationClient optimization) {
        if (target.experiment == null || prompt == null || reflectionModel == null) {
            err.println("osprey optimize-prompt: give --experiment, --prompt and --reflection-model (and --dataset "
                    + "with --scorers to learn from examples), or --job to follow a job.");
            return null;
        }
        PromptOptimizationClient.Optimizer kind;
        try {
            kind = PromptOptimizationClient.optimizer(optimizer);
        } catch (IllegalArgumentException e) {
            err.println("osprey optimize-prompt: --optimizer is gepa or metaprompt, not '" + optimizer + "'.");
            return null;
        }
        String experimentId = CliJobs.experimentId(client, target.experiment).orElse(null);
        if (experimentId == null) {
            err.println("osprey optimize-prompt: no experiment named '" + target.experiment + "'.");
            return null;
        }
        return optimization.start(new PromptOptimizationClient.Request(experimentId, prompt, kind,
                Optional.ofNullable(dataset), scorers, reflectionModel, maxMetricCalls == null ? OptionalLong.empty()
                        : OptionalLong.of(maxMetricCalls), Optional.ofNullable(guidelines), Map.of())).jobId();
    }

    /** {@code [#####.....]  50%  JOB_STATUS_IN_PROGRESS}. */
    private void progress(Job j) {
        double done = j.progress().orElse(j.finished() ? 1.0 : 0.0);
        CliJobs.progressBar(err, done, String.format("%3d%%  %s", Math.round(100 * Math.min(1.0, done)), j.status()));
    }

    private int report(Job j) {
        if (!j.status().equals("JOB_STATUS_COMPLETED")) {
            err.println("osprey optimize-prompt: job " + j.jobId() + " ended " + j.status()
                    + j.error().map(e -> ": " + e).orElse(""));
            return 1;
        }
        out.printf("%-28s %8s %8s%n", "score", "before", "after");
        for (String name : j.finalScores().keySet()) {
            out.printf("%-28s %8s %8s%n", name, score(j.initialScores().get(name)), score(j.finalScores().get(name)));
        }
        out.println("optimized prompt " + j.optimizedPromptUri().orElse("-") + " (from " + j.sourcePromptUri()
                + ", run " + j.runId() + ")");
        return 0;
    }

    private static String score(Double value) {
        return value == null ? "-" : String.format("%.3f", value);
    }
}
