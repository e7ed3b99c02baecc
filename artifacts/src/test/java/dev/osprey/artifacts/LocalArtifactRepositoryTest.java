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

class LocalArtifactRepositoryTest {
    private Path base;
    private Path canary;
    private LocalArtifactRepository repo;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("osprey-artifacts-test");
        canary = Files.writeString(base.resolve("canary.txt"), "do not touch");
        repo = new LocalArtifactRepository(base.resolve("root"));
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private String read(String path, long offset) throws IOException {
        try (InputStream in = repo.open(ArtifactPath.parse(path)).orElseThrow().open(offset)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void writeReadListDelete_roundTrip() throws IOException {
        assertThat(repo.write(ArtifactPath.parse("1/run/artifacts/model/MLmodel"), bytes("flavors: {}"))).isEqualTo(11);
        repo.write(ArtifactPath.parse("1/run/artifacts/metrics.json"), bytes("{}"));
        repo.write(ArtifactPath.parse("1/run/artifacts/metrics.json"), bytes("{\"a\": 1}"));
        assertThat(read("1/run/artifacts/metrics.json", 0)).isEqualTo("{\"a\": 1}");
        assertThat(read("1/run/artifacts/model/MLmodel", 9)).isEqualTo("{}");
        assertThat(repo.list(ArtifactPath.parse("1/run/artifacts"))).extracting(FileInfo::path, FileInfo::isDir)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("metrics.json", false),
                        org.assertj.core.groups.Tuple.tuple("model", true));
        assertThat(repo.list(ArtifactPath.parse("nope"))).isEmpty();
        assertThat(repo.open(ArtifactPath.parse("1/run/artifacts/model"))).isEmpty();
        repo.delete(ArtifactPath.parse("1/run/artifacts/model"));
        repo.delete(ArtifactPath.parse("1/run/artifacts/metrics.json"));
        repo.delete(ArtifactPath.parse("1/run/artifacts/never-there"));
        assertThat(repo.list(ArtifactPath.parse("1/run/artifacts"))).isEmpty();
        assertThat(Files.readString(canary)).isEqualTo("do not touch");
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
    void aFailedUpload_leavesTheOldFile() throws IOException {
        repo.write(ArtifactPath.parse("f.txt"), bytes("old"));
        InputStream broken = new InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                if (sent++ < 10) {
                    return 'x';
                }
                throw new IOException("client went away");
            }
        };
        assertThatThrownBy(() -> repo.write(ArtifactPath.parse("f.txt"), broken)).isInstanceOf(IOException.class);
        assertThat(read("f.txt", 0)).isEqualTo("old");
        assertThat(repo.list(ArtifactPath.ROOT)).extracting(FileInfo::path).containsExactly("f.txt");
    }
}
