package dev.osprey.server.eval;

import dev.osprey.eval.LlmJudge;
import dev.osprey.eval.MemoryAugmentedJudge;
import dev.osprey.eval.PromptTemplates;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Tag;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.protocol.Json;
import dev.osprey.server.registry.RegistryService;
import dev.osprey.store.DatasetStore.DatasetRecord;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Everything a prompt-optimization job needs, resolved and checked before any model is called: the optimizer and its
 * budget, the source prompt and the gateway endpoint serving its model config, the scorers, the dataset's records and
 * the reflection model. A client's mistake in any of them is a 400 (or 404) here, before a run exists.
 */
record OptimizationPlan(String experimentId, String workspace, String optimizer, long maxMetricCalls,
        String promptName, String promptUri, ModelVersion source, String template, Optional<String> modelConfig,
        String endpoint, List<Scorer> scorers, List<DatasetRecord> records, JudgeModel reflection,
        Optional<String> guidelines) {
    private static final int MAX_RECORDS = 1000;

    static OptimizationPlan resolve(JsonNode params, StorageComponent storage, RegistryService registry,
            ScorerSpecs.JudgeModels models, Gateway gateway) {
        String experimentId = params.path("experiment_id").asText("");
        if (experimentId.isBlank() || storage.tracking().getExperiment(experimentId).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
        }
        String workspace = storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
        String optimizer = params.path("optimizer_type").asText("").toLowerCase(Locale.ROOT);
        if (!optimizer.equals("metaprompt") && !optimizer.equals("gepa")) {
            throw OspreyException.invalid("Unsupported optimizer type: '" + optimizer + "'. Supported types: "
                    + "['gepa', 'metaprompt'].");
        }
        JsonNode config = params.path("optimizer_config");
        String reflectionUri = config.path("reflection_model").asText("");
        if (reflectionUri.isBlank()) {
            throw OspreyException.invalid("Missing required optimizer configuration: 'reflection_model' must be "
                    + "specified in optimizer_config for the " + (optimizer.equals("gepa") ? "GEPA" : "MetaPrompt")
                    + " optimizer (e.g., 'gateway:/my-endpoint').");
        }
        long maxMetricCalls = config.path("max_metric_calls").asLong(100);
        if (maxMetricCalls < 1) {
            throw OspreyException.invalid("'max_metric_calls' must be a positive number of row evaluations.");
        }
        ScorerSpecs.JudgeModels inWorkspace = models.in(workspace);
        JudgeModel reflection;
        try {
            reflection = inWorkspace.resolve(Optional.of(reflectionUri));
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("reflection_model: " + e.getMessage());
        }
        String uri = params.path("prompt_uri").asText("");
        RegistryService prompts = registry.in(Optional.of(workspace));
        ModelVersion source = resolvePrompt(prompts, uri);
        String template = tag(source, "mlflow.prompt.text").orElseThrow(() -> OspreyException.invalid("Prompt "
                + uri + " has no template."));
        if (!tag(source, "_mlflow_prompt_type").orElse("text").equals("text")) {
            throw OspreyException.invalid("Only text prompts can be optimized");
        }
        Optional<String> modelConfig = tag(source, "_mlflow_prompt_model_config");
        String endpoint = endpointFor(uri, modelConfig, workspace, gateway);
        List<Scorer> scorers = new ArrayList<>();
        for (JsonNode n : params.path("scorer_names")) {
            scorers.add(scorer(n.asText(), experimentId, inWorkspace, storage));
        }
        List<DatasetRecord> records = new ArrayList<>();
        String datasetId = params.path("dataset_id").asText("");
        if (!datasetId.isBlank()) {
            storage.datasets().get(datasetId).orElseThrow(() -> OspreyException.notFound(
                    "Could not find evaluation dataset with ID " + datasetId));
            Page<DatasetRecord> page = storage.datasets().records(datasetId, MAX_RECORDS, Optional.empty());
            records.addAll(page.items());
        }
        if (!scorers.isEmpty() && records.isEmpty()) {
            throw OspreyException.invalid("`scorers` is provided but the dataset is missing or empty; a dataset must "
                    + "be provided if scorers are.");
        }
        checkFields(template, scorers, records, datasetId);
        if (optimizer.equals("gepa") && (records.isEmpty() || scorers.isEmpty())) {
            throw OspreyException.invalid("The GEPA optimizer learns from scored examples: give a dataset with "
                    + "records and at least one scorer.");
        }
        if (optimizer.equals("gepa") && maxMetricCalls < records.size()) {
            throw OspreyException.invalid("'max_metric_calls' (" + maxMetricCalls + ") must cover scoring the "
                    + "source prompt on every dataset record (" + records.size() + ").");
        }
        return new OptimizationPlan(experimentId, workspace, optimizer, maxMetricCalls, source.name(), uri, source, template,
                modelConfig, endpoint, scorers, records, reflection,
                Optional.ofNullable(config.path("guidelines").textValue()));
    }

    /**
     * The dataset must give what the prompt and the scorers read: every record the template's variables among its
     * inputs, and expectations on every record when a judge reads {@code {{ expectations }}}.
     */
    private static void checkFields(String template, List<Scorer> scorers, List<DatasetRecord> records,
            String datasetId) {
        Set<String> variables = PromptTemplates.variables(template);
        for (DatasetRecord r : records) {
            JsonNode inputs = DatasetRecords.parse(r.inputsJson());
            List<String> missing = variables.stream().filter(v -> !inputs.has(v)).toList();
            if (!missing.isEmpty()) {
                throw OspreyException.invalid("Dataset " + datasetId + " record " + r.recordId() + " has no input "
                        + missing + " for the prompt's template variables " + variables + ".");
            }
        }
        for (Scorer s : scorers) {
            LlmJudge judge = s instanceof MemoryAugmentedJudge m ? m.base() : s instanceof LlmJudge j ? j : null;
            if (judge == null || !judge.variables().contains("expectations")) {
                continue;
            }
            for (DatasetRecord r : records) {
                JsonNode expectations = DatasetRecords.parse(r.expectationsJson());
                if (!expectations.isObject() || expectations.isEmpty()) {
                    throw OspreyException.invalid("Scorer '" + s.name() + "' reads {{ expectations }}, but dataset "
                            + datasetId + " record " + r.recordId() + " has none: add expectations to the records "
                            + "or choose scorers that judge without them.");
                }
            }
        }
    }

    /** {@code prompts:/name/version} or {@code prompts:/name@alias}. */
    private static ModelVersion resolvePrompt(RegistryService prompts, String uri) {
        if (!uri.startsWith("prompts:/")) {
            throw OspreyException.invalid("source_prompt_uri must look like prompts:/<name>/<version> or "
                    + "prompts:/<name>@<alias>, got '" + uri + "'.");
        }
        String rest = uri.substring("prompts:/".length());
        int at = rest.lastIndexOf('@');
        int slash = rest.lastIndexOf('/');
        if (at > 0) {
            return prompts.byAlias(rest.substring(0, at), rest.substring(at + 1));
        }
        if (slash <= 0) {
            throw OspreyException.invalid("source_prompt_uri names no version: '" + uri + "'.");
        }
        return prompts.getVersion(rest.substring(0, slash), rest.substring(slash + 1));
    }

    private static Optional<String> tag(ModelVersion v, String key) {
        return v.tags().stream().filter(t -> t.key().equals(key)).map(Tag::value).findFirst();
    }

    /**
     * The gateway endpoint the prompt's model config names: provider {@code gateway} names the endpoint itself;
     * any other provider and model name must be served by an endpoint of the workspace.
     */
    private static String endpointFor(String uri, Optional<String> modelConfig, String workspace, Gateway gateway) {
        JsonNode config = modelConfig.map(OptimizationPlan::modelConfig).orElse(Json.object());
        String provider = config.path("provider").asText("");
        String model = config.path("model_name").asText("");
        if (provider.isBlank() || model.isBlank()) {
            throw OspreyException.invalid("Prompt " + uri + " doesn't have a model configuration that sets provider "
                    + "and model_name, which are required for optimization.");
        }
        if (provider.equals("gateway")) {
            return gateway.config().endpoint(workspace, model).map(e -> e.endpoint().name()).orElseThrow(() ->
                    OspreyException.invalid("Prompt " + uri + " names gateway endpoint '" + model + "', which does "
                            + "not exist in workspace '" + workspace + "'."));
        }
        for (ResolvedEndpoint e : gateway.config().snapshot().all()) {
            if (e.endpoint().workspace().equals(workspace) && e.models().stream().anyMatch(m ->
                    m.definition().provider().equalsIgnoreCase(provider)
                            && m.definition().modelName().equals(model))) {
                return e.endpoint().name();
            }
        }
        throw OspreyException.invalid("No gateway endpoint in workspace '" + workspace + "' serves " + provider + "/"
                + model + " (the model config of " + uri + "); create one, or set the prompt's model_config provider "
                + "to 'gateway' and model_name to an endpoint.");
    }

    /** A prompt's model config tag, as its author wrote it: text that is not JSON names no model. */
    private static JsonNode modelConfig(String json) {
        try {
            return Json.read(json);
        } catch (java.io.IOException e) {
            return Json.object();
        }
    }

    private static Scorer scorer(String name, String experimentId, ScorerSpecs.JudgeModels inWorkspace,
            StorageComponent storage) {
        Optional<String> registered = storage.scorers().get(experimentId, name, Optional.empty())
                .map(v -> v.serializedScorer());
        String serialized = registered.orElse("{\"builtin_scorer_class\": " + Json.object().textNode(name) + "}");
        try {
            return ScorerSpecs.parse(name, serialized, inWorkspace);
        } catch (ScorerSpecs.UnsupportedScorerException e) {
            throw OspreyException.invalid("Scorer '" + name + "' not found or not runnable here. It is neither a "
                    + "built-in scorer (e.g., 'Correctness', 'Safety') nor a registered scorer Osprey can run in "
                    + "experiment '" + experimentId + "': " + e.getMessage());
        }
    }

}
