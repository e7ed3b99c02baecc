package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs whose artifacts clients write straight to a local root ({@code file:} URIs, no proxy): the server lists and
 * serves them from its own roots, and refuses locations elsewhere on its disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalArtifactRootsTest {
    private OspreyServer server;
    private RestClient api;
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-local-roots");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.of(dir.resolve("mlruns").toString()), dir.resolve("proxied"), false, "", true));
        api = new RestClient(server.baseUrl());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void runsUnderTheDefaultRoot_areListedAndServed() throws Exception {
        String exp = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"local-root\"}").json()
                .get("experiment_id").asText();
        var run = api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}").json()
                .at("/run/info");
        String artifactUri = run.get("artifact_uri").asText();
        assertThat(artifactUri).contains("/mlruns/" + exp + "/");
        Path runRoot = Path.of(dev.osprey.artifacts.ArtifactRepositories.toUri(artifactUri));
        Files.createDirectories(runRoot.resolve("plots"));
        Files.writeString(runRoot.resolve("plots/loss.csv"), "step,loss\n1,0.5\n");
        String runId = run.get("run_id").asText();

        var listing = api.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId).json();
        assertThat(listing.get("root_uri").asText()).isEqualTo(artifactUri);
        assertThat(listing.get("files").toString()).isEqualTo("[{\"path\":\"plots\",\"is_dir\":true}]");
        assertThat(api.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=plots").json().get("files")
                .toString()).isEqualTo("[{\"path\":\"plots/loss.csv\",\"is_dir\":false,\"file_size\":16}]");
        assertThat(api.get("/get-artifact?run_id=" + runId + "&path=plots/loss.csv").body())
                .isEqualTo("step,loss\n1,0.5\n");
        assertThat(api.get("/get-artifact?run_id=" + runId + "&path=../../../../osprey.db").status())
                .isEqualTo(400);
    }

    @Test
    void locationsOutsideTheServersRoots_areRefusedWhenTheExperimentIsCreated() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("secret.txt"), "not for the UI");
        for (String location : new String[] {elsewhere.toUri().toString(), elsewhere.toString(),
            dir.resolve("mlruns/../elsewhere").toString()}) {
            RestClient.Reply create = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"outside-"
                    + Math.abs(location.hashCode()) + "\", \"artifact_location\": \"" + location + "\"}");
            assertThat(create.status()).as(location).isEqualTo(400);
            assertThat(create.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
            assertThat(create.json().get("message").asText()).contains("outside this server's artifact roots");
        }
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"inside\", \"artifact_location\": \""
                + dir.resolve("mlruns/custom").toUri() + "\"}").status()).isEqualTo(200);
    }
}
