package dev.osprey.server.issues;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.JudgeValueType;
import dev.osprey.eval.Labels;
import dev.osprey.eval.LlmJudge;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.protocol.Json;
import dev.osprey.server.eval.TraceItems;
import dev.osprey.server.jobs.JobFunction;
import dev.osprey.store.IssueStore.Issue;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * MLflow's issue detection ({@code invoke_issue_detection}), run in the server: every trace is triaged by a judge that
 * asks whether the user's goal was met in the chosen categories (correctness, latency, execution, adherence,
 * relevance, safety); the failing ones are grouped by the same model into distinct issues (name, description, root
 * cause, severity, categories), each recorded as an issue of the experiment with the detection run as its source, and
 * linked to its traces by issue assessments carrying the triage rationale. The run gets the summary.
 *
 * <p>Where MLflow differs: it samples at most its triage sample size, triages sessions as conversations, re-splits and
 * deduplicates clusters over several calls and writes one LLM annotation per (issue, trace); here every given trace
 * (at most {@value #MAX_TRACES}) is triaged on its own, the failures are grouped in one call, and the annotation is
 * the triage rationale.
 */
public final class IssueDetectionJob implements JobFunction {
    public static final String NAME = "invoke_issue_detection";
    static final int MAX_TRACES = 500;
    private static final int MAX_ISSUES = 20;
    static final Map<String, String> CATEGORIES = categories();
    private final StorageComponent storage;
    private final ScorerSpecs.JudgeModels models;
    private final Gateway gateway;
    private final Clock clock;

    public IssueDetectionJob(StorageComponent storage, ScorerSpecs.JudgeModels models, Gateway gateway, Clock clock) {
        this.storage = storage;
        this.models = models;
        this.gateway = gateway;
        this.clock = clock;
    }

    private static Map<String, String> categories() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("correctness", "the output is factually accurate and grounded in the data it was given");
        c.put("latency", "the agent answers within acceptable time");
        c.put("execution", "the agent completes its actions (tool calls, API steps) successfully");
        c.put("adherence", "the response follows instructions, constraints, policies and formatting");
        c.put("relevance", "the output is useful, addresses the request and leaves the user satisfied");
        c.put("safety", "the response avoids harmful, sensitive or inappropriate content");
        return Map.copyOf(c);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String experimentOf(ObjectNode params) {
        String experimentId = params.path("experiment_id").asText("");
        if (experimentId.isBlank() || storage.tracking().getExperiment(experimentId).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
        }
        if (!params.path("trace_ids").isArray() || params.path("trace_ids").isEmpty()) {
            throw OspreyException.invalid("Give the traces to analyze in 'trace_ids'.");
        }
        if (params.path("trace_ids").size() > MAX_TRACES) {
            throw OspreyException.invalid("At most " + MAX_TRACES + " traces per issue detection, got "
                    + params.path("trace_ids").size() + ".");
        }
        model(params, experimentId);
        return experimentId;
    }

    /**
     * The model every phase asks: {@code gateway:/<endpoint>} in the experiment's workspace, {@code openai:/<model>}
     * with the gateway secret {@code secret_id} (its key and {@code api_base}) or with the server's own OpenAI
     * settings.
     */
    JudgeModel model(JsonNode params, String experimentId) {
        String uri = params.path("model").asText("");
        String workspace = storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
        String secretId = params.path("secret_id").asText("");
        try {
            if (!secretId.isEmpty() && !uri.startsWith("gateway:/")) {
                if (!uri.startsWith("openai:/")) {
                    throw OspreyException.invalid("Issue detection calls provider '" + uri.split(":/")[0] + "' "
                            + "through a gateway endpoint: pass 'endpoint_name' instead of a provider and secret.");
                }
                GatewaySecret secret = gateway.config().secrets().byId(secretId, workspace);
                Map<String, String> values = gateway.config().secrets().open(secret);
                return new OpenAiJudgeModel(secret.authConfig().getOrDefault("api_base", "https://api.openai.com/v1"),
                        Optional.ofNullable(values.get("api_key")), uri.substring("openai:/".length()),
                        Duration.ofSeconds(60));
            }
            return models.in(workspace).resolve(Optional.of(uri));
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("model: " + e.getMessage());
        }
    }

    /** One trace's triage: satisfied or not, and why. */
    private record Triage(String traceId, boolean failing, String rationale, String request, String response) {}

    @Override
    public JsonNode run(ObjectNode params, Progress progress) {
        String experimentId = experimentOf(params);
        String runId = params.path("run_id").asText("");
        JudgeModel model = model(params, experimentId);
        List<String> traceIds = new ArrayList<>();
        params.path("trace_ids").forEach(t -> traceIds.add(t.asText()));
        List<String> categories = new ArrayList<>();
        params.path("categories").forEach(c -> categories.add(c.asText().toLowerCase(Locale.ROOT)));
        if (categories.isEmpty()) {
            categories.addAll(List.of("correctness", "latency", "execution", "adherence", "relevance", "safety"));
        }
        try {
            if (!runId.isEmpty()) {
                storage.traces().linkToRun(traceIds, runId);
            }
            LlmJudge triage = LlmJudge.make("issue_triage", instructions(categories), JudgeValueType.yesNo(), model);
            TraceItems items = new TraceItems(storage.traces());
            List<Triage> results = new ArrayList<>();
            long total = traceIds.size() + 1L;
            for (String traceId : traceIds) {
                if (progress.stopped()) {
                    return Json.object();
                }
                TraceItems.StoredTrace trace;
                try {
                    trace = items.read(traceId);
                } catch (OspreyException gone) {
                    continue;
                }
                Feedback f = triage.safely(trace.item());
                results.add(new Triage(traceId, Labels.of(f).equals("no"), f.rationale().or(f::error).orElse(""),
                        trace.info().requestPreview().orElse(""), trace.info().responsePreview().orElse("")));
                progress.report(results.size(), total);
            }
            List<Triage> failing = results.stream().filter(Triage::failing).toList();
            List<Issue> issues = failing.isEmpty() ? List.of() : identify(failing, categories, model, experimentId,
                    runId);
            progress.report(total, total);
            String summary = summary(issues, results.size(), failing.size());
            if (!runId.isEmpty()) {
                storage.tracking().logBatch(runId, new MetricBatch(List.of(), List.of(), List.of(
                        new Tag("total_cost_usd", "0.0"))));
                storage.tracking().updateRun(runId, new RunUpdate(Optional.of(RunStatus.FINISHED),
                        OptionalLong.of(clock.millis()), Optional.empty()));
            }
            return Json.object().put("summary", summary).put("issues", issues.size())
                    .put("total_traces_analyzed", results.size()).put("total_cost_usd", 0.0);
        } catch (RuntimeException e) {
            if (!runId.isEmpty() && !progress.stopped()) {
                storage.tracking().updateRun(runId, new RunUpdate(Optional.of(RunStatus.FAILED),
                        OptionalLong.of(clock.millis()), Optional.empty()));
            }
            throw e;
        }
    }

    private static String instructions(List<String> categories) {
        StringBuilder out = new StringBuilder("Decide whether the AI assistant achieved what the user wanted in the "
                + "interaction below. A goal is the outcome the user was after, not merely the topic. Check each of "
                + "these aspects:\n");
        for (String c : categories) {
            out.append("- ").append(c).append(": ").append(CATEGORIES.getOrDefault(c, "as the name says"))
                    .append('\n');
        }
        out.append("Answer \"yes\" when the goal was met with no problem in any aspect, \"no\" otherwise; the rationale "
                + "names the aspect that failed and what went wrong.\n\nRequest: {{ inputs }}\nResponse: {{ outputs }}");
        if (categories.contains("latency") || categories.contains("execution")) {
            out.append("\nExecution facts (time in ms, tokens, tool calls): {{ trace }}");
        }
        return out.toString();
    }

    /** Groups the failures into issues with one model call, stores them and links their traces. */
    private List<Issue> identify(List<Triage> failing, List<String> categories, JudgeModel model,
            String experimentId, String runId) {
        StringBuilder prompt = new StringBuilder("These interactions of an AI application failed their users. Group "
                + "them into at most " + MAX_ISSUES + " distinct issues, each a problem with one root cause; put "
                + "each interaction in at most one issue. Categories: " + categories + ".\n\n");
        for (int i = 0; i < failing.size(); i++) {
            Triage t = failing.get(i);
            prompt.append('[').append(i).append("] request: ").append(shortened(t.request())).append("\n    response: ")
                    .append(shortened(t.response())).append("\n    problem: ").append(shortened(t.rationale()))
                    .append('\n');
        }
        prompt.append("\nAnswer with {\"issues\": [{\"name\": \"<short title>\", \"description\": \"...\", "
                + "\"root_cause\": \"...\", \"severity\": \"low|medium|high\", \"categories\": [...], "
                + "\"trace_indexes\": [...]}]}.");
        String reply;
        try {
            reply = model.complete("You find the issues behind failures of AI applications. Reply with a single JSON "
                    + "object and nothing else.", prompt.toString());
        } catch (JudgeModel.JudgeModelException e) {
            throw new OspreyException(dev.osprey.core.ErrorCode.INTERNAL_ERROR, "The model " + model.name()
                    + " failed while grouping issues: " + e.getMessage());
        }
        JsonNode groups = LlmJudge.parseObject(reply).map(n -> n.path("issues")).orElse(Json.object().arrayNode());
        List<Issue> issues = new ArrayList<>();
        Set<Integer> placed = new LinkedHashSet<>();
        long now = clock.millis();
        for (JsonNode g : groups) {
            if (issues.size() == MAX_ISSUES) {
                break;
            }
            List<Triage> members = new ArrayList<>();
            for (JsonNode index : g.path("trace_indexes")) {
                int i = index.asInt(-1);
                if (i >= 0 && i < failing.size() && placed.add(i)) {
                    members.add(failing.get(i));
                }
            }
            String name = g.path("name").asText("").strip().replaceFirst("^(?i)issue: ", "");
            if (members.isEmpty() || name.isEmpty()) {
                continue;
            }
            String severity = g.path("severity").asText("medium").toLowerCase(Locale.ROOT);
            List<String> issueCategories = new ArrayList<>();
            g.path("categories").forEach(c -> issueCategories.add(c.asText()));
            Issue issue = new Issue("iss-" + UUID.randomUUID().toString().replace("-", ""), experimentId, name,
                    g.path("description").asText(name), "pending", Optional.of(List.of("low", "medium", "high")
                            .contains(severity) ? severity : "medium"),
                    g.path("root_cause").asText("").isEmpty() ? List.of() : List.of(g.path("root_cause").asText()),
                    runId.isEmpty() ? Optional.empty() : Optional.of(runId), issueCategories,
                    Optional.of("osprey-issue-detection"), now, now);
            storage.issues().create(issue);
            for (Triage t : members) {
                ObjectNode body = Json.object().put("assessment_name", issue.issueId());
                body.putObject("source").put("source_type", "LLM_JUDGE").put("source_id", model.name());
                body.putObject("issue").put("issue_name", name);
                body.put("rationale", t.rationale());
                storage.traces().createAssessment(new Assessment("a-" + UUID.randomUUID().toString().replace("-", ""),
                        t.traceId(), Optional.empty(), true, now, now, Json.writeString(body)));
            }
            issues.add(issue);
        }
        return issues;
    }

    private static String shortened(String text) {
        return text.length() <= 600 ? text : text.substring(0, 600) + "…";
    }

    private static String summary(List<Issue> issues, int analyzed, int failing) {
        StringBuilder out = new StringBuilder("# Issue detection\n\n").append(analyzed).append(" traces analyzed, ")
                .append(failing).append(" did not satisfy their user; ").append(issues.size()).append(" issue")
                .append(issues.size() == 1 ? "" : "s").append(" found.\n");
        for (Issue i : issues) {
            out.append("\n- **").append(i.name()).append("** (").append(i.severity().orElse("medium")).append("): ")
                    .append(i.description()).append('\n');
        }
        return out.toString();
    }
}
