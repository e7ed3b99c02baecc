package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.artifacts.s3.S3TestServer;
import dev.osprey.client.ActiveRun;
import dev.osprey.client.ArtifactInfo;
import dev.osprey.client.Osprey;
import dev.osprey.client.OspreyClient;
import dev.osprey.client.OspreyClientException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The SDK's artifact calls against the server jar: local and S3 destinations, multipart, retries, resume. */
class ITOspreySdkArtifacts {
    private static final long MIB = 1024 * 1024;

    private static Path largeFile(Path dir, long size) throws Exception {
        Path file = dir.resolve("weights.bin");
        try (InputStream in = new GeneratedBytes(size, 9); OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        return file;
    }

    private static String sha(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return GeneratedBytes.sha256(in);
        }
    }

    private static OspreyClient client(String url) {
        return OspreyClient.builder(url).multipartThreshold(8 * MIB).multipartPartSize(5 * MIB)
                .artifactParallelism(3).initialBackoff(java.time.Duration.ofMillis(20)).build();
    }

    private static void roundTrip(OspreyClient client, Path work) throws Exception {
        Path tree = Files.createDirectories(work.resolve("model"));
        Files.writeString(tree.resolve("MLmodel"), "flavors: {}\n");
        Files.createDirectories(tree.resolve("data"));
        Files.writeString(tree.resolve("data/vocab name.txt"), "a\nb\n");
        Path big = largeFile(work, 21 * MIB + 777);
        String runId;
        try (ActiveRun run = Osprey.startRun(client).experimentName("sdk-artifacts").start()) {
            run.logArtifact(tree, "model").logArtifact(big, "checkpoints");
            runId = run.runId();
        }
        assertThat(client.listArtifacts(runId, "")).extracting(ArtifactInfo::path)
                .containsExactly("checkpoints", "model");
        assertThat(client.listArtifacts(runId, "checkpoints")).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("checkpoints/weights.bin");
            assertThat(f.fileSize()).isEqualTo(OptionalLong.of(Files.size(big)));
        });
        Path out = Files.createDirectories(work.resolve("download"));
        Path all = client.downloadArtifacts(runId, "", out);
        assertThat(sha(all.resolve("checkpoints/weights.bin"))).isEqualTo(sha(big));
        assertThat(Files.readString(all.resolve("model/data/vocab name.txt"))).isEqualTo("a\nb\n");
        Path one = client.downloadArtifacts(runId, "model/MLmodel", Files.createDirectories(work.resolve("one")));
        assertThat(Files.readString(one)).isEqualTo("flavors: {}\n");
        assertThatThrownBy(() -> client.downloadArtifacts(runId, "missing.txt", work.resolve("x")))
                .isInstanceOf(OspreyClientException.NotFound.class);
    }

    @Test
    void localDestination_multipartWithInjectedFailures_andResumedDownloads() throws Exception {
        Path work = Files.createTempDirectory("osprey-sdk-art");
        try (ServerProcess server = ServerProcess.start(Backends.freshSqlite(), work.resolve("dest"));
                FlakyProxy proxy = new FlakyProxy(server.url())) {
            roundTrip(client(proxy.url()), work);
            assertThat(proxy.multipartCreates.get()).isEqualTo(1);
            assertThat(proxy.injectedPartFailures.get()).as("every part failed once and was retried").isEqualTo(5);
            assertThat(proxy.cutDownloads.get()).isEqualTo(1);
            assertThat(proxy.rangeRequests.get()).as("the cut download resumed by range").isEqualTo(1);
            assertThat(Files.list(work.resolve("dest/.osprey-upload-parts"))).isEmpty();
        }
    }

    @Test
    void s3Destination_partsGoStraightToTheBucket() throws Exception {
        Path work = Files.createTempDirectory("osprey-sdk-s3");
        try (S3TestServer s3 = S3TestServer.start();
                ServerProcess server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(),
                        Backends.freshSqlite(), s3.newLocation().toString(), List.of("-Xmx512m"), s3.environment(),
                        List.of()))) {
            roundTrip(client(server.url()), work);
        }
    }
}
