package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** --static-prefix moves /ajax-api, /health and /version, but never /api (as mlflow server does). */
class StaticPrefixTest {
    @Test
    void prefix_appliesToAjaxHealthAndVersion_notToApi() throws Exception {
        Path dir = Files.createTempDirectory("osprey-prefix");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0,
                "memory:", Optional.empty(), dir.resolve("artifacts"), true, "mlflow/",
                true))) {
            RestClient api = new RestClient(server.baseUrl());
            assertThat(api.get("/mlflow/health").body()).isEqualTo("OK");
            assertThat(api.get("/mlflow/version").status()).isEqualTo(200);
            assertThat(api.get("/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0").status())
                    .isEqualTo(200);
            assertThat(api.get("/api/2.0/mlflow/experiments/get?experiment_id=0").status()).isEqualTo(200);
            assertThat(api.get("/ajax-api/2.0/mlflow/experiments/get?experiment_id=0").status()).isEqualTo(404);
            assertThat(api.get("/mlflow/api/2.0/mlflow/experiments/get?experiment_id=0").status()).isEqualTo(404);
        }
    }

    @Test
    void noServeArtifacts_usesTheDestinationAsArtifactRoot() throws Exception {
        Path dir = Files.createTempDirectory("osprey-noserve");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0,
                "memory:", Optional.empty(), dir.resolve("artifacts"), false, "", true))) {
            RestClient api = new RestClient(server.baseUrl());
            String location = api.get("/api/2.0/mlflow/experiments/get?experiment_id=0").json()
                    .at("/experiment/artifact_location").asText();
            assertThat(location).startsWith("file:").endsWith("/artifacts/0");
        }
    }
}
