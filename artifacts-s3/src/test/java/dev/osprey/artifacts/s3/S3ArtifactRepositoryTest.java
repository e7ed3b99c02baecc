package dev.osprey.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.ArtifactRepositoryContract;
import dev.osprey.artifacts.FileInfo;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The repository contract against a real S3 protocol server, plus what is S3's own. */
class S3ArtifactRepositoryTest extends ArtifactRepositoryContract {
    private static S3TestServer s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3TestServer.start();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @Override
    protected ArtifactRepository repository() {
        return S3ArtifactRepository.at(s3.newLocation(), s3.clients());
    }

    @Test
    void aRepositoryAtAPrefix_seesOnlyItsOwnKeys() throws Exception {
        URI location = s3.newLocation();
        ArtifactRepository outer = S3ArtifactRepository.at(location, s3.clients());
        ArtifactRepository inner = S3ArtifactRepository.at(URI.create(location + "/1/run/artifacts/"), s3.clients());
        outer.write(ArtifactPath.parse("1/run/artifacts/a.txt"), bytes("a"));
        outer.write(ArtifactPath.parse("1/run-2/artifacts/b.txt"), bytes("b"));
        assertThat(inner.list(ArtifactPath.ROOT)).extracting(FileInfo::path).containsExactly("a.txt");
        assertThat(read(inner, "a.txt", 0)).isEqualTo("a");
        inner.delete(ArtifactPath.ROOT);
        assertThat(outer.list(ArtifactPath.parse("1"))).extracting(FileInfo::path).containsExactly("run-2");
    }

    @Test
    void theProviderIsFoundByScheme_andSettingsComeFromTheEnvironment() {
        assertThat(dev.osprey.artifacts.ArtifactRepositories.installed().supports("s3")).isTrue();
        S3Settings settings = S3Settings.fromEnvironment(java.util.Map.of("MLFLOW_S3_ENDPOINT_URL",
                "http://minio:9000", "AWS_DEFAULT_REGION", "eu-west-1"));
        assertThat(settings.endpoint()).contains(URI.create("http://minio:9000"));
        assertThat(settings.region()).isEqualTo("eu-west-1");
        assertThat(settings.pathStyle()).isTrue();
        assertThat(S3Settings.fromEnvironment(java.util.Map.of()).pathStyle()).isFalse();
    }
}
