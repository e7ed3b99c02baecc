package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.client.ActiveRun;
import dev.osprey.client.Osprey;
import dev.osprey.client.OspreyClient;
import dev.osprey.client.OspreyClientException;
import dev.osprey.client.SearchExperimentsRequest;
import dev.osprey.client.SearchRunsRequest;
import dev.osprey.core.Dataset;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Experiment;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.core.ViewType;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The same flows as the official client's, through Osprey's own SDK against the server jar. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITOspreySdk {
    private ServerProcess server;
    private OspreyClient client;

    @BeforeAll
    void start() throws Exception {
        server = ServerProcess.start(Backends.freshSqlite(), Files.createTempDirectory("osprey-artifacts"));
        client = OspreyClient.create(server.url());
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void experiments_lifecycleAndTypedErrors() {
        String name = unique("sdk");
        String id = client.createExperiment(name, Optional.empty(), List.of(new Tag("team", "ml")));
        assertThat(client.getExperiment(id).tags()).containsExactly(new Tag("team", "ml"));
        assertThat(client.getExperimentByName(name)).map(Experiment::experimentId).hasValue(id);
        assertThat(client.getExperimentByName(unique("none"))).isEmpty();
        assertThat(client.getOrCreateExperiment(name)).isEqualTo(id);
        assertThatThrownBy(() -> client.createExperiment(name))
                .isInstanceOf(OspreyClientException.AlreadyExists.class)
                .hasMessageContaining("RESOURCE_ALREADY_EXISTS");
        assertThatThrownBy(() -> client.getExperiment("424242424"))
                .isInstanceOfSatisfying(OspreyClientException.NotFound.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(404));
        client.setExperimentTag(id, "k", "v");
        client.deleteExperimentTag(id, "k");
        client.renameExperiment(id, name + "-renamed");
        client.deleteExperiment(id);
        assertThat(client.searchExperiments(SearchExperimentsRequest.all().withFilter("name = '" + name
                + "-renamed'").withViewType(ViewType.DELETED_ONLY)).items()).hasSize(1);
        client.restoreExperiment(id);
        assertThat(client.getExperiment(id).lifecycleStage().wireName()).isEqualTo("active");
    }

    @Test
    void runs_logEverythingAndSearch() {
        String exp = client.createExperiment(unique("sdk-runs"));
        Run run = client.createRun(exp, Optional.of("first"), 1000, List.of(new Tag("mlflow.user", "dora")));
        String id = run.info().runId();
        client.logParam(id, "lr", "0.1");
        client.logMetric(id, "loss", 1.5, 10, 0);
        client.setTag(id, "t", "1");
        client.logBatch(id, List.of(Metric.of("loss", 0.5, 20, 1), Metric.of("acc", Double.NaN, 20, 1)),
                List.of(new Param("layers", "3")), List.of(new Tag("t", "2")));
        client.logInputs(id, List.of(new DatasetInput(List.of(new Tag("mlflow.data.context", "training")),
                new Dataset("iris", "abc", "local", "{}", Optional.empty(), Optional.empty()))),
                List.of(new ModelInput("m-1")));
        client.logOutputs(id, List.of(new ModelOutput("m-2", 1)));
        Run loaded = client.getRun(id);
        assertThat(loaded.info().userId()).isEqualTo("dora");
        assertThat(loaded.params()).containsExactlyInAnyOrder(new Param("lr", "0.1"), new Param("layers", "3"));
        assertThat(loaded.tags()).contains(new Tag("t", "2"));
        assertThat(loaded.metrics()).extracting(Metric::key).containsExactlyInAnyOrder("loss", "acc");
        assertThat(loaded.datasetInputs()).hasSize(1);
        assertThat(loaded.modelOutputs()).containsExactly(new ModelOutput("m-2", 1));
        assertThat(client.getMetricHistory(id, "loss")).extracting(Metric::value).containsExactly(1.5, 0.5);
        assertThatThrownBy(() -> client.logParam(id, "lr", "0.2"))
                .isInstanceOf(OspreyClientException.InvalidParameter.class)
                .hasMessageContaining("Changing param values is not allowed");
        assertThat(client.endRun(id, RunStatus.KILLED).status()).isEqualTo(RunStatus.KILLED);

        for (int i = 0; i < 30; i++) {
            client.logMetric(client.createRun(exp).info().runId(), "score", i, 1, 0);
        }
        Page<Run> page = client.searchRuns(SearchRunsRequest.of(exp).withFilter("metrics.score >= 10")
                .withOrderBy("metrics.score DESC").withMaxResults(7));
        assertThat(page.items()).hasSize(7);
        assertThat(page.items().get(0).metrics().get(0).value()).isEqualTo(29);
        assertThat(client.searchAllRuns(SearchRunsRequest.of(exp).withFilter("metrics.score >= 10")
                .withMaxResults(7))).hasSize(20);
        client.deleteRun(id);
        client.restoreRun(id);
        assertThat(client.getMetricHistoryBulkInterval(List.of(id), "loss", 10)).hasSize(2);
    }

    @Test
    void fluentRuns_endFinishedOrFailed() {
        String expName = unique("fluent");
        String finishedId;
        try (ActiveRun run = Osprey.startRun(client).experimentName(expName).runName("ok").tag("k", "v").start()) {
            run.logParam("lr", "0.01").logMetric("loss", 0.3, 1).logMetrics(Map.of("a", 1.0, "b", 2.0), 2)
                    .logParams(Map.of("x", "1")).setTags(Map.of("y", "2"));
            finishedId = run.runId();
        }
        Run finished = client.getRun(finishedId);
        assertThat(finished.info().status()).isEqualTo(RunStatus.FINISHED);
        assertThat(finished.info().endTime()).isPresent();
        assertThat(finished.info().runName()).isEqualTo("ok");
        assertThat(finished.metrics()).extracting(Metric::key).containsExactlyInAnyOrder("loss", "a", "b");

        List<String> failedId = new ArrayList<>();
        assertThatThrownBy(() -> Osprey.startRun(client).experimentName(expName).run(run -> {
            failedId.add(run.runId());
            throw new IllegalStateException("training diverged");
        })).hasMessage("training diverged");
        assertThat(client.getRun(failedId.get(0)).info().status()).isEqualTo(RunStatus.FAILED);
        assertThat(client.getRun(failedId.get(0)).info().experimentId())
                .isEqualTo(client.getExperimentByName(expName).orElseThrow().experimentId());
    }

    @Test
    void registry_modelsVersionsAliasesAndStages() {
        dev.osprey.client.ModelRegistry registry = client.registry();
        String name = unique("sdk-model");
        String runId = client.createRun(client.createExperiment(unique("sdk-registry"))).info().runId();
        registry.createRegisteredModel(name, List.of(new Tag("team", "ml")), Optional.of("first"));
        dev.osprey.core.ModelVersion v1 = registry.createModelVersion(name, "runs:/" + runId + "/model", runId,
                List.of(new Tag("k", "v")));
        dev.osprey.core.ModelVersion v2 = registry.createModelVersion(name, "s3://bucket/m", "", List.of());
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v2.version()).isEqualTo("2");
        assertThat(registry.getModelVersionDownloadUri(name, "1"))
                .isEqualTo(client.getRun(runId).info().artifactUri() + "/model");
        registry.setAlias(name, "champion", "2");
        assertThat(registry.getModelVersionByAlias(name, "champion").version()).isEqualTo("2");
        registry.transitionStage(name, "1", dev.osprey.core.ModelStage.PRODUCTION, false);
        registry.transitionStage(name, "2", dev.osprey.core.ModelStage.PRODUCTION, true);
        assertThat(registry.getModelVersion(name, "1").currentStage()).isEqualTo(dev.osprey.core.ModelStage.ARCHIVED);
        assertThat(registry.getLatestVersions(name, List.of(dev.osprey.core.ModelStage.PRODUCTION)))
                .extracting(dev.osprey.core.ModelVersion::version).containsExactly("2");
        assertThat(registry.updateRegisteredModel(name, "second").description()).contains("second");
        dev.osprey.core.RegisteredModel model = registry.getRegisteredModel(name);
        assertThat(model.aliases()).containsExactly(new dev.osprey.core.ModelAlias("champion", "2"));
        assertThat(model.tags()).containsExactly(new Tag("team", "ml"));
        assertThat(registry.searchModelVersions("name = '" + name + "'", List.of("version_number ASC"), 1,
                Optional.empty())).satisfies(p -> {
                    assertThat(p.items()).extracting(dev.osprey.core.ModelVersion::version).containsExactly("1");
                    assertThat(p.nextPageToken()).isPresent();
                });
        assertThat(registry.searchRegisteredModels("name = '" + name + "'", List.of(), 10, Optional.empty()).items())
                .hasSize(1);
        registry.deleteModelVersion(name, "1");
        assertThatThrownBy(() -> registry.getModelVersion(name, "1"))
                .isInstanceOf(OspreyClientException.NotFound.class);
        assertThatThrownBy(() -> registry.setAlias(name, "latest", "2"))
                .isInstanceOf(OspreyClientException.InvalidParameter.class);
        registry.deleteRegisteredModel(name);
        assertThatThrownBy(() -> registry.getRegisteredModel(name)).isInstanceOf(OspreyClientException.NotFound.class);
    }

    @Test
    void prompts_registerLoadByAliasAndRender_storedAsMlflowStoresThem() throws Exception {
        dev.osprey.client.prompts.Prompts prompts = client.prompts();
        String name = unique("summarize").replace("-", "_");
        dev.osprey.client.prompts.PromptVersion v1 = prompts.register(dev.osprey.client.prompts.NewPrompt
                .text(name, "Summarize {{ text }} in {{ n }} words.").commitMessage("first")
                .tags(Map.of("author", "ada")).modelConfig("{\"model_name\": \"gpt-4o\", \"temperature\": 0.2}"));
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v1.commitMessage()).contains("first");
        dev.osprey.client.prompts.PromptVersion v2 = prompts.register(dev.osprey.client.prompts.NewPrompt.text(name,
                "{% for d in docs %}[{{ loop.index }}] {{ d }}\n{% endfor %}Summarize the above."));
        assertThat(v2.type()).isEqualTo(dev.osprey.client.prompts.PromptType.JINJA2);
        prompts.setAlias(name, "production", "1");

        assertThat(prompts.load("prompts:/" + name + "@production").format(Map.of("text", "the report", "n", 50)))
                .isEqualTo("Summarize the report in 50 words.");
        assertThat(prompts.load("prompts:/" + name + "@latest").format(Map.of("docs", List.of("a", "b"))))
                .isEqualTo("[1] a\n[2] b\nSummarize the above.");
        assertThat(prompts.load("prompts:/" + name + "/1").modelConfig()).isPresent();
        String runId = client.createRun(client.createExperiment(unique("prompt-run"))).info().runId();
        prompts.linkToRun(runId, v1);
        prompts.linkToRun(runId, v2);
        prompts.linkToRun(runId, v1);
        assertThat(client.getRun(runId).tags()).contains(new Tag("mlflow.linkedPrompts", "[{\"name\": \"" + name
                + "\", \"version\": \"1\"}, {\"name\": \"" + name + "\", \"version\": \"2\"}]"));
        assertThatThrownBy(() -> prompts.load("prompts:/" + name + "/1").format(Map.of("text", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n");

        String chatName = name + ".chat";
        prompts.register(dev.osprey.client.prompts.NewPrompt.chat(chatName, List.of(
                new dev.osprey.client.prompts.ChatMessage("system", "Answer in {{ language }}."),
                new dev.osprey.client.prompts.ChatMessage("user", "{{ question }}"))));
        assertThat(prompts.load("prompts:/" + chatName).formatMessages(Map.of("language", "French", "question",
                "Pourquoi?"))).extracting(dev.osprey.client.prompts.ChatMessage::content)
                .containsExactly("Answer in French.", "Pourquoi?");

        // Stored exactly as MLflow stores prompts, and hidden from model searches.
        java.net.http.HttpResponse<String> raw = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url()
                        + "/api/2.0/mlflow/model-versions/get?name=" + chatName + "&version=1")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(raw.body()).contains("\"key\":\"mlflow.prompt.is_prompt\",\"value\":\"true\"",
                "\"key\":\"_mlflow_prompt_type\",\"value\":\"chat\"",
                "[{\\\"role\\\": \\\"system\\\", \\\"content\\\": \\\"Answer in {{ language }}.\\\"}");
        assertThat(client.registry().searchRegisteredModels("name LIKE '" + name + "%'", List.of(), 10,
                Optional.empty()).items()).isEmpty();
        assertThat(prompts.search("name LIKE '" + name + "%'", 10, Optional.empty()).items())
                .extracting(dev.osprey.core.RegisteredModel::name).containsExactlyInAnyOrder(name, chatName);
    }

    @Test
    void webhooks_configureAndTest_throughTheSdk() {
        dev.osprey.client.WebhookClient hooks = client.webhooks();
        // The server jar is started without an allow-list, so its SSRF guard refuses loopback targets.
        assertThatThrownBy(() -> hooks.create("local", "http://127.0.0.1:9/hook", List.of(
                new dev.osprey.core.Webhook.Event("MODEL_VERSION", "CREATED")), Optional.of("s")))
                .isInstanceOf(OspreyClientException.InvalidParameter.class).hasMessageContaining("internal address");
        dev.osprey.core.Webhook created = hooks.create("public", "http://93.184.215.14/hook", List.of(
                new dev.osprey.core.Webhook.Event("MODEL_VERSION", "CREATED")), Optional.of("s3cr3t"));
        assertThat(created.sealedSecret()).isEmpty();
        dev.osprey.core.Webhook disabled = hooks.update(created.webhookId(), dev.osprey.client.WebhookClient.Changes
                .none().status(dev.osprey.core.Webhook.Status.DISABLED));
        assertThat(disabled.status()).isEqualTo(dev.osprey.core.Webhook.Status.DISABLED);
        assertThat(hooks.list(100, Optional.empty()).items()).extracting(dev.osprey.core.Webhook::webhookId)
                .contains(created.webhookId());
        hooks.delete(created.webhookId());
        assertThatThrownBy(() -> hooks.get(created.webhookId())).isInstanceOf(OspreyClientException.NotFound.class);
    }
}
