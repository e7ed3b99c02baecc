package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.ExperimentsPage;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.Page;
import org.mlflow.tracking.RunsPage;

/**
 * The official MLflow Java client ({@code org.mlflow:mlflow-client}) against the real server process, on one backend
 * per subclass: everything the tracking API offers that client, and its error paths.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MlflowJavaClientContract {
    private ServerProcess server;
    private String url;
    private MlflowClient mlflow;

    protected abstract String backendStoreUri();

    /** The address the client is given: the server's own, or a proxy's in front of it. */
    protected String clientUrl(ServerProcess server) throws Exception {
        return server.url();
    }

    /** Stops whatever {@link #clientUrl} started. */
    protected void stopProxy() throws Exception {}

    @BeforeAll
    void start() throws Exception {
        server = ServerProcess.start(backendStoreUri(), Files.createTempDirectory("osprey-artifacts"));
        url = clientUrl(server);
        mlflow = new MlflowClient(url);
    }

    @AfterAll
    void stop() throws Exception {
        if (mlflow != null) {
            mlflow.close();
        }
        stopProxy();
        if (server != null) {
            server.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void experiments_lifecycle() {
        String name = unique("java-exp");
        String id = mlflow.createExperiment(name);
        Service.Experiment e = mlflow.getExperiment(id);
        assertThat(e.getName()).isEqualTo(name);
        assertThat(e.getLifecycleStage()).isEqualTo("active");
        assertThat(e.getArtifactLocation()).isEqualTo("mlflow-artifacts:/" + id);
        assertThat(mlflow.getExperimentByName(name)).map(Service.Experiment::getExperimentId).hasValue(id);
        assertThat(mlflow.getExperimentByName(unique("absent"))).isEmpty();

        mlflow.setExperimentTag(id, "team", "vision");
        String renamed = unique("renamed");
        mlflow.renameExperiment(id, renamed);
        Service.Experiment after = mlflow.getExperiment(id);
        assertThat(after.getName()).isEqualTo(renamed);
        assertThat(after.getTagsList()).extracting(Service.ExperimentTag::getKey).contains("team");

        mlflow.deleteExperiment(id);
        assertThat(mlflow.getExperiment(id).getLifecycleStage()).isEqualTo("deleted");
        mlflow.restoreExperiment(id);
        assertThat(mlflow.getExperiment(id).getLifecycleStage()).isEqualTo("active");
    }

    @Test
    void searchExperiments_filtersAndPages() {
        String prefix = unique("page-exp");
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            created.add(mlflow.createExperiment(prefix + "-" + i));
        }
        Set<String> seen = new HashSet<>();
        ExperimentsPage page = mlflow.searchExperiments("name LIKE '" + prefix + "%'", Service.ViewType.ACTIVE_ONLY,
                3, List.of("name ASC"));
        int pages = 1;
        page.getItems().forEach(x -> seen.add(x.getExperimentId()));
        while (page.hasNextPage()) {
            page = (ExperimentsPage) page.getNextPage();
            page.getItems().forEach(x -> seen.add(x.getExperimentId()));
            pages++;
        }
        assertThat(seen).isEqualTo(created);
        assertThat(pages).isGreaterThanOrEqualTo(3);
    }

    @Test
    void runs_paramsMetricsTagsAndBatches() {
        String exp = mlflow.createExperiment(unique("java-runs"));
        Service.RunInfo info = mlflow.createRun(Service.CreateRun.newBuilder().setExperimentId(exp)
                .setRunName("baseline").setStartTime(1_700_000_000_000L)
                .addTags(Service.RunTag.newBuilder().setKey("mlflow.user").setValue("carol")).build());
        String runId = info.getRunId();
        assertThat(info.getRunName()).isEqualTo("baseline");
        assertThat(info.getStatus()).isEqualTo(Service.RunStatus.RUNNING);

        mlflow.logParam(runId, "lr", "0.01");
        mlflow.logMetric(runId, "loss", 0.5);
        mlflow.logMetric(runId, "loss", 0.25, 1_700_000_000_500L, 2);
        mlflow.logMetric(runId, "nan", Double.NaN);
        mlflow.setTag(runId, "stage", "dev");
        mlflow.setTag(runId, "gone", "x");
        mlflow.deleteTag(runId, "gone");
        mlflow.logBatch(runId,
                List.of(Service.Metric.newBuilder().setKey("acc").setValue(0.9).setTimestamp(1).setStep(1).build(),
                        Service.Metric.newBuilder().setKey("acc").setValue(0.95).setTimestamp(2).setStep(2).build()),
                List.of(Service.Param.newBuilder().setKey("optimizer").setValue("adam").build()),
                List.of(Service.RunTag.newBuilder().setKey("batch").setValue("yes").build()));

        Service.Run run = mlflow.getRun(runId);
        assertThat(run.getInfo().getUserId()).isEqualTo("carol");
        assertThat(run.getData().getParamsList()).extracting(Service.Param::getKey)
                .containsExactlyInAnyOrder("lr", "optimizer");
        assertThat(run.getData().getTagsList()).extracting(Service.RunTag::getKey)
                .contains("stage", "batch", "mlflow.runName").doesNotContain("gone");
        assertThat(run.getData().getMetricsList()).anySatisfy(m -> {
            assertThat(m.getKey()).isEqualTo("loss");
            assertThat(m.getValue()).isEqualTo(0.25);
            assertThat(m.getStep()).isEqualTo(2);
        });
        assertThat(run.getData().getMetricsList()).anySatisfy(m -> {
            assertThat(m.getKey()).isEqualTo("nan");
            assertThat(m.getValue()).isNaN();
        });
        List<Service.Metric> history = mlflow.getMetricHistory(runId, "acc");
        assertThat(history).extracting(Service.Metric::getValue).containsExactly(0.9, 0.95);

        mlflow.setTerminated(runId, Service.RunStatus.FINISHED, 1_700_000_001_000L);
        Service.RunInfo ended = mlflow.getRun(runId).getInfo();
        assertThat(ended.getStatus()).isEqualTo(Service.RunStatus.FINISHED);
        assertThat(ended.getEndTime()).isEqualTo(1_700_000_001_000L);

        mlflow.deleteRun(runId);
        assertThat(mlflow.getRun(runId).getInfo().getLifecycleStage()).isEqualTo("deleted");
        mlflow.restoreRun(runId);
        assertThat(mlflow.getRun(runId).getInfo().getLifecycleStage()).isEqualTo("active");
    }

    @Test
    void searchRuns_filtersOrdersAndPagesThrough25PlusRuns() {
        String exp = mlflow.createExperiment(unique("java-search"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 27; i++) {
            String runId = mlflow.createRun(exp).getRunId();
            ids.add(runId);
            mlflow.logMetric(runId, "score", i);
            mlflow.logParam(runId, "parity", i % 2 == 0 ? "even" : "odd");
        }
        List<Service.RunInfo> odd = mlflow.searchRuns(List.of(exp), "params.parity = 'odd' and metrics.score >= 20");
        assertThat(odd).extracting(Service.RunInfo::getRunId)
                .containsExactlyInAnyOrder(ids.get(21), ids.get(23), ids.get(25));

        List<String> ordered = new ArrayList<>();
        RunsPage page = mlflow.searchRuns(List.of(exp), "", Service.ViewType.ACTIVE_ONLY, 10,
                List.of("metrics.score DESC"));
        Page<Service.Run> current = page;
        int pages = 0;
        while (true) {
            pages++;
            for (Service.Run r : current.getItems()) {
                ordered.add(r.getInfo().getRunId());
            }
            if (!current.hasNextPage()) {
                break;
            }
            current = current.getNextPage();
        }
        assertThat(pages).isEqualTo(3);
        List<String> expected = new ArrayList<>(ids);
        java.util.Collections.reverse(expected);
        assertThat(ordered).containsExactlyElementsOf(expected);

        mlflow.deleteRun(ids.get(0));
        assertThat(mlflow.searchRuns(List.of(exp), "", Service.ViewType.DELETED_ONLY))
                .extracting(Service.RunInfo::getRunId).containsExactly(ids.get(0));
    }

    @Test
    void errorPaths_carryMlflowCodesAndStatuses() {
        assertThatThrownBy(() -> mlflow.getRun("ffffffffffffffffffffffffffffffff"))
                .isInstanceOfSatisfying(MlflowHttpException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getBodyMessage()).contains("RESOURCE_DOES_NOT_EXIST");
                });
        String name = unique("dup");
        mlflow.createExperiment(name);
        assertThatThrownBy(() -> mlflow.createExperiment(name))
                .isInstanceOfSatisfying(MlflowHttpException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(400);
                    assertThat(e.getBodyMessage()).contains("RESOURCE_ALREADY_EXISTS");
                });
        String runId = mlflow.createRun(mlflow.createExperiment(unique("err"))).getRunId();
        mlflow.logParam(runId, "p", "1");
        assertThatThrownBy(() -> mlflow.logParam(runId, "p", "2"))
                .isInstanceOfSatisfying(MlflowHttpException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(400);
                    assertThat(e.getBodyMessage()).contains("INVALID_PARAMETER_VALUE");
                });
        assertThatThrownBy(() -> mlflow.searchRuns(List.of("0"), "metrics.m > 'oops'"))
                .isInstanceOfSatisfying(MlflowHttpException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(400);
                    assertThat(e.getBodyMessage()).contains("INVALID_PARAMETER_VALUE");
                });
        assertThatThrownBy(() -> mlflow.getExperiment("123456789"))
                .isInstanceOfSatisfying(MlflowHttpException.class, e -> assertThat(e.getStatusCode())
                        .isEqualTo(404));
    }

    @Test
    void listArtifacts_seesFilesUploadedThroughTheProxy() throws Exception {
        String runId = mlflow.createRun(mlflow.createExperiment(unique("artifacts"))).getRunId();
        String root = mlflow.getRun(runId).getInfo().getArtifactUri();
        assertThat(root).startsWith("mlflow-artifacts:/");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String file : List.of("model/MLmodel", "metrics.csv")) {
            java.net.http.HttpResponse<String> put = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url + "/api/2.0/mlflow-artifacts/artifacts/"
                            + root.substring("mlflow-artifacts:/".length()) + "/" + file))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("content of " + file)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(200);
        }
        // The client's listArtifacts hands mlflow-artifacts: roots to a Python subprocess; its own HTTP stack
        // (sendGet, the same transport and JSON parser) still checks the route and the answer.
        Service.ListArtifacts.Response top = parse(mlflow.sendGet("artifacts/list?run_id=" + runId));
        assertThat(top.getRootUri()).isEqualTo(root);
        assertThat(top.getFilesList()).extracting(Service.FileInfo::getPath, Service.FileInfo::getIsDir)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("metrics.csv", false),
                        org.assertj.core.groups.Tuple.tuple("model", true));
        Service.ListArtifacts.Response model = parse(mlflow.sendGet("artifacts/list?run_id=" + runId
                + "&path=model"));
        assertThat(model.getFilesList()).extracting(Service.FileInfo::getPath, Service.FileInfo::getFileSize)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("model/MLmodel",
                        (long) "content of model/MLmodel".length()));
    }

    @Test
    void registry_readsThroughTheOfficialClient() throws Exception {
        String name = unique("registry");
        String runId = mlflow.createRun(mlflow.createExperiment(unique("registry-exp"))).getRunId();
        String root = mlflow.getRun(runId).getInfo().getArtifactUri();
        mlflow.sendPost("registered-models/create", "{\"name\": \"" + name
                + "\", \"tags\": [{\"key\": \"team\", \"value\": \"ml\"}], \"description\": \"demo\"}");
        for (int i = 0; i < 2; i++) {
            mlflow.sendPost("model-versions/create", "{\"name\": \"" + name + "\", \"source\": \"runs:/" + runId
                    + "/model\", \"run_id\": \"" + runId + "\"}");
        }
        mlflow.sendPost("model-versions/transition-stage", "{\"name\": \"" + name + "\", \"version\": \"1\", "
                + "\"stage\": \"production\", \"archive_existing_versions\": false}");
        mlflow.sendPatch("registered-models/update", "{\"name\": \"" + name + "\", \"description\": \"v2\"}");

        var model = mlflow.getRegisteredModel(name);
        assertThat(model.getName()).isEqualTo(name);
        assertThat(model.getDescription()).isEqualTo("v2");
        assertThat(model.getTagsList()).extracting(t -> t.getKey() + "=" + t.getValue()).containsExactly("team=ml");
        assertThat(model.getLatestVersionsList()).extracting(v -> v.getVersion() + ":" + v.getCurrentStage())
                .containsExactlyInAnyOrder("1:Production", "2:None");
        assertThat(mlflow.getLatestVersions(name, List.of("Production"))).singleElement()
                .satisfies(v -> assertThat(v.getVersion()).isEqualTo("1"));
        var v2 = mlflow.getModelVersion(name, "2");
        assertThat(v2.getSource()).isEqualTo("runs:/" + runId + "/model");
        assertThat(v2.getRunId()).isEqualTo(runId);
        assertThat(v2.getStatus().name()).isEqualTo("READY");
        assertThat(mlflow.getModelVersionDownloadUri(name, "1")).isEqualTo(root + "/model");
        var page = mlflow.searchModelVersions("name = '" + name + "'", 1, List.of("version_number ASC"));
        assertThat(page.getItems()).extracting(v -> v.getVersion()).containsExactly("1");
        assertThat(page.hasNextPage()).isTrue();
        assertThat(page.getNextPage().getItems()).extracting(v -> v.getVersion()).containsExactly("2");
        assertThatThrownBy(() -> mlflow.getRegisteredModel(unique("missing")))
                .isInstanceOfSatisfying(org.mlflow.tracking.MlflowHttpException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getBodyMessage()).contains("RESOURCE_DOES_NOT_EXIST");
                });
    }

    /** Parses an answer with the protobuf classes shipped in the client, as the client itself parses answers. */
    private static Service.ListArtifacts.Response parse(String json) throws Exception {
        Service.ListArtifacts.Response.Builder builder = Service.ListArtifacts.Response.newBuilder();
        Class<?> jsonFormat = Class.forName(Service.class.getName().replace("org.mlflow.api.proto.Service",
                "org.mlflow_project.google.protobuf.util.JsonFormat"));
        Object parser = jsonFormat.getMethod("parser").invoke(null);
        parser = parser.getClass().getMethod("ignoringUnknownFields").invoke(parser);
        for (java.lang.reflect.Method method : parser.getClass().getMethods()) {
            if (method.getName().equals("merge") && method.getParameterTypes()[0] == String.class) {
                method.invoke(parser, json, builder);
            }
        }
        return builder.build();
    }

    @Test
    void defaultExperiment_takesRunsWithoutAnExperiment() {
        Service.RunInfo info = mlflow.createRun();
        assertThat(info.getExperimentId()).isEqualTo("0");
    }
}
