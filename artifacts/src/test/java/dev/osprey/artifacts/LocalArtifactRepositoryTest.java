package dev.osprey.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.OspreyException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalArtifactRepositoryTest extends ArtifactRepositoryContract {
    private Path base;
    private Path canary;
    private LocalArtifactRepository repo;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("osprey-artifacts-test");
        canary = Files.writeString(base.resolve("canary.txt"), "do not touch");
        repo = new LocalArtifactRepository(base.resolve("root"));
    }

    @Override
    protected ArtifactRepository repository() throws IOException {
        return new LocalArtifactRepository(Files.createTempDirectory(base, "contract"));
    }

    @Test
    void symlinksPlantedInTheRoot_areRefusedForEveryOperation() throws IOException {
        Files.createSymbolicLink(repo.root().resolve("escape"), base);
        Files.createSymbolicLink(repo.root().resolve("canary-link"), canary);
        for (String path : new String[] {"escape/canary.txt", "canary-link"}) {
            ArtifactPath p = ArtifactPath.parse(path);
            assertThatThrownBy(() -> repo.open(p)).isInstanceOf(OspreyException.class);
            assertThatThrownBy(() -> repo.write(p, bytes("x"))).isInstanceOf(OspreyException.class);
            assertThatThrownBy(() -> repo.delete(p)).isInstanceOf(OspreyException.class);
            assertThatThrownBy(() -> repo.list(p)).isInstanceOf(OspreyException.class);
        }
        assertThatThrownBy(() -> repo.write(ArtifactPath.parse("escape/new.txt"), bytes("x")))
                .isInstanceOf(OspreyException.class);
        assertThat(Files.exists(base.resolve("new.txt"))).isFalse();
        assertThat(repo.list(ArtifactPath.ROOT)).isEmpty();
        assertThat(Files.readString(canary)).isEqualTo("do not touch");
    }

    @Test
    void deletingADirectory_removesLinksInsideIt_notTheirTargets() throws IOException {
        repo.write(ArtifactPath.parse("d/file.txt"), bytes("x"));
        Files.createSymbolicLink(repo.root().resolve("d").resolve("link"), canary);
        repo.delete(ArtifactPath.parse("d"));
        assertThat(Files.exists(repo.root().resolve("d"))).isFalse();
        assertThat(Files.readString(canary)).isEqualTo("do not touch");
    }

    @Test
    void reservedNames_andTheStagingArea_areOutOfReach() throws Exception {
        MultipartUploads mpu = repo.multipart().orElseThrow();
        MultipartUploads.Upload upload = mpu.create(ArtifactPath.parse("t.bin"), 1, (id, n) -> "u");
        for (String path : new String[] {".osprey-upload-parts/" + upload.uploadId() + "/target",
                ".osprey-upload-x", "a/.osprey-upload-y"}) {
            ArtifactPath p = ArtifactPath.parse(path);
            assertThatThrownBy(() -> repo.open(p)).isInstanceOf(OspreyException.class);
            assertThatThrownBy(() -> repo.write(p, bytes("x"))).isInstanceOf(OspreyException.class);
            assertThatThrownBy(() -> repo.delete(p)).isInstanceOf(OspreyException.class);
        }
        assertThat(repo.list(ArtifactPath.ROOT)).isEmpty();
        assertThatThrownBy(() -> mpu.writePart("../../canary", 1, bytes("x"))).isInstanceOf(OspreyException.class);
        assertThatThrownBy(() -> mpu.complete(ArtifactPath.parse("other.bin"), upload.uploadId(),
                java.util.List.of(new MultipartUploads.UploadedPart(1, "e")))).isInstanceOf(OspreyException.class);
        assertThat(Files.readString(canary)).isEqualTo("do not touch");
    }
}
