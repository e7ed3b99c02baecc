package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code osprey gc} on a real SQLite store and artifact directories, as an operator runs it. */
class GcCommandTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private Path dir;
    private String backend;
    private Path artifacts;
    private Path canary;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("osprey-gc");
        backend = "sqlite:///" + dir + "/osprey.db";
        artifacts = dir.resolve("artifacts");
        canary = Files.writeString(dir.resolve("canary.txt"), "keep me");
    }

    private OspreyServer server() {
        return OspreyServer.start(new ServerConfig("127.0.0.1", 0, backend, Optional.empty(), artifacts, true, "",
                true));
    }

    private JsonNode post(OspreyServer server, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    /** A run with one proxied artifact; returns {experiment id, run id}. */
    private String[] runWithArtifact(OspreyServer server, String experimentId) throws Exception {
        String runId = post(server, "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + experimentId + "\"}")
                .at("/run/info/run_id").asText();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId + "/artifacts/model.pkl"))
                .PUT(HttpRequest.BodyPublishers.ofString("weights")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        return new String[] {experimentId, runId};
    }

    private static CliRun gc(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "gc";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.of(all);
    }

    @Test
    void gc_purgesDeletedRunsAndExperimentsWithTheirArtifacts_andNothingElse() throws Exception {
        String[] deletedRun;
        String[] keptRun;
        String[] inDeletedExperiment;
        try (OspreyServer server = server()) {
            String exp = post(server, "/api/2.0/mlflow/experiments/create", "{\"name\": \"kept\"}")
                    .get("experiment_id").asText();
            String doomed = post(server, "/api/2.0/mlflow/experiments/create", "{\"name\": \"doomed\"}")
                    .get("experiment_id").asText();
            deletedRun = runWithArtifact(server, exp);
            keptRun = runWithArtifact(server, exp);
            inDeletedExperiment = runWithArtifact(server, doomed);
            post(server, "/api/2.0/mlflow/runs/delete", "{\"run_id\": \"" + deletedRun[1] + "\"}");
            post(server, "/api/2.0/mlflow/experiments/delete", "{\"experiment_id\": \"" + doomed + "\"}");
        }
        String dest = artifacts.toString();

        CliRun young = gc("--backend-store-uri", backend, "--artifacts-destination", dest, "--older-than", "30d");
        assertThat(young.code()).isZero();
        assertThat(young.out()).contains("Permanently deleted 0 run(s) and 0 experiment(s)");

        CliRun dry = gc("--backend-store-uri", backend, "--artifacts-destination", dest, "--dry-run");
        assertThat(dry.code()).isZero();
        assertThat(dry.out()).contains("run " + deletedRun[1], "experiment " + inDeletedExperiment[0],
                "Would permanently delete 1 run(s) and 1 experiment(s)");
        assertThat(artifacts.resolve(deletedRun[0] + "/" + deletedRun[1] + "/artifacts/model.pkl")).exists();

        CliRun real = gc("--backend-store-uri", backend, "--artifacts-destination", dest);
        assertThat(real.code()).as(real.out() + real.err()).isZero();
        assertThat(real.out()).contains("Permanently deleted 1 run(s) and 1 experiment(s)");
        assertThat(real.err()).contains("[" + "#".repeat(30) + "] 2/2");
        assertThat(artifacts.resolve(deletedRun[0] + "/" + deletedRun[1] + "/artifacts")).doesNotExist();
        assertThat(artifacts.resolve(inDeletedExperiment[0])).doesNotExist();
        assertThat(artifacts.resolve(keptRun[0] + "/" + keptRun[1] + "/artifacts/model.pkl")).exists();
        assertThat(Files.readString(canary)).isEqualTo("keep me");

        try (OspreyServer server = server()) {
            HttpResponse<String> gone = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/api/2.0/mlflow/runs/get?run_id=" + deletedRun[1])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(gone.statusCode()).isEqualTo(404);
            assertThat(post(server, "/api/2.0/mlflow/experiments/create", "{\"name\": \"doomed\"}")
                    .get("experiment_id").asText()).as("the name is free again").isNotEqualTo(inDeletedExperiment[0]);
            HttpResponse<String> kept = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/api/2.0/mlflow/runs/get?run_id=" + keptRun[1])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(kept.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void gc_canDeleteProxiedArtifactsOverHttp() throws Exception {
        try (OspreyServer server = server()) {
            String[] run = runWithArtifact(server, "0");
            post(server, "/api/2.0/mlflow/runs/delete", "{\"run_id\": \"" + run[1] + "\"}");
            // A destination gc cannot reach directly: only the tracking server's proxy can delete the bytes.
            CliRun result = gc("--backend-store-uri", backend, "--artifacts-destination",
                    dir.resolve("not-the-destination").toString(), "--tracking-uri", server.baseUrl());
            assertThat(result.code()).as(result.out() + result.err()).isZero();
            assertThat(result.out()).contains("Permanently deleted 1 run(s)");
            assertThat(artifacts.resolve("0/" + run[1] + "/artifacts")).doesNotExist();
        }
    }

    @Test
    void badArguments_areClearErrors() throws Exception {
        try (OspreyServer server = server()) {
            post(server, "/api/2.0/mlflow/experiments/create", "{\"name\": \"active\"}");
        }
        CliRun age = gc("--backend-store-uri", backend, "--older-than", "soon");
        assertThat(age.code()).isEqualTo(2);
        assertThat(age.err()).contains("#d#h#m#s");
        CliRun active = gc("--backend-store-uri", backend, "--artifacts-destination", artifacts.toString(),
                "--experiment-ids", "1");
        assertThat(active.code()).isEqualTo(2);
        assertThat(active.err()).contains("not in the deleted lifecycle stage");
        assertThat(GcCommand.parseAge("1d2h3m4s")).isEqualTo(Duration.ofSeconds(86_400 + 7_200 + 180 + 4));
    }
}
