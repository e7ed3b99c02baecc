package dev.osprey.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.artifacts.MultipartUploads.PartTarget;
import dev.osprey.artifacts.MultipartUploads.Upload;
import dev.osprey.artifacts.MultipartUploads.UploadedPart;
import dev.osprey.core.OspreyException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ArtifactRepository} must do, run against each implementation (local disk, S3 through a real
 * S3 protocol server). Subclasses supply a fresh, empty repository per test.
 */
public abstract class ArtifactRepositoryContract {
    private static final String DIRECT = "direct:";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** An empty repository, new for each test. */
    protected abstract ArtifactRepository repository() throws IOException;

    protected static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    protected static String read(ArtifactRepository repo, String path, long offset) throws IOException {
        try (InputStream in = repo.open(ArtifactPath.parse(path)).orElseThrow().open(offset)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    protected static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    protected static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void writeReadListDelete_roundTrip() throws IOException {
        ArtifactRepository repo = repository();
        assertThat(repo.write(ArtifactPath.parse("1/run/artifacts/model/MLmodel"), bytes("flavors: {}")))
                .isEqualTo(11);
        repo.write(ArtifactPath.parse("1/run/artifacts/metrics.json"), bytes("{}"));
        repo.write(ArtifactPath.parse("1/run/artifacts/metrics.json"), bytes("{\"a\": 1}"));
        assertThat(read(repo, "1/run/artifacts/metrics.json", 0)).isEqualTo("{\"a\": 1}");
        assertThat(read(repo, "1/run/artifacts/model/MLmodel", 9)).isEqualTo("{}");
        ArtifactFile file = repo.open(ArtifactPath.parse("1/run/artifacts/model/MLmodel")).orElseThrow();
        assertThat(file.size()).isEqualTo(11);
        assertThat(file.name()).isEqualTo("MLmodel");
        assertThat(repo.list(ArtifactPath.parse("1/run/artifacts")))
                .extracting(FileInfo::path, FileInfo::isDir, f -> f.fileSize().isPresent())
                .containsExactly(Tuple.tuple("metrics.json", false, true), Tuple.tuple("model", true, false));
        assertThat(repo.list(ArtifactPath.parse("1/run/artifacts/model"))).singleElement()
                .satisfies(f -> assertThat(f.fileSize().getAsLong()).isEqualTo(11));
        assertThat(repo.list(ArtifactPath.ROOT)).extracting(FileInfo::path).containsExactly("1");
        repo.delete(ArtifactPath.parse("1/run/artifacts/model"));
        repo.delete(ArtifactPath.parse("1/run/artifacts/metrics.json"));
        repo.delete(ArtifactPath.parse("1/run/artifacts/never-there"));
        assertThat(repo.list(ArtifactPath.parse("1/run/artifacts"))).isEmpty();
        assertThat(repo.open(ArtifactPath.parse("1/run/artifacts/metrics.json"))).isEmpty();
    }

    @Test
    void missingThings_areEmpty_notErrors() throws IOException {
        ArtifactRepository repo = repository();
        repo.write(ArtifactPath.parse("dir/file.txt"), bytes("x"));
        assertThat(repo.list(ArtifactPath.parse("nope"))).isEmpty();
        assertThat(repo.list(ArtifactPath.parse("dir/file.txt"))).isEmpty();
        assertThat(repo.open(ArtifactPath.parse("nope.txt"))).isEmpty();
        assertThat(repo.open(ArtifactPath.parse("dir"))).isEmpty();
        assertThat(repo.open(ArtifactPath.ROOT)).isEmpty();
        repo.delete(ArtifactPath.parse("nope/deeper"));
    }

    @Test
    void namesThatShareAPrefix_stayApart() throws IOException {
        ArtifactRepository repo = repository();
        repo.write(ArtifactPath.parse("a/b.txt"), bytes("1"));
        repo.write(ArtifactPath.parse("a-b/c.txt"), bytes("2"));
        repo.write(ArtifactPath.parse("ab"), bytes("3"));
        repo.delete(ArtifactPath.parse("a"));
        assertThat(repo.list(ArtifactPath.ROOT)).extracting(FileInfo::path).containsExactly("a-b", "ab");
        assertThat(read(repo, "a-b/c.txt", 0)).isEqualTo("2");
    }

    @Test
    void emptyAndLargeFiles_roundTripExactly() throws IOException {
        ArtifactRepository repo = repository();
        assertThat(repo.write(ArtifactPath.parse("empty.bin"), InputStream.nullInputStream())).isZero();
        assertThat(repo.open(ArtifactPath.parse("empty.bin")).orElseThrow().size()).isZero();
        byte[] large = random(21 * 1024 * 1024 + 17, 7);
        assertThat(repo.write(ArtifactPath.parse("big/data.bin"), new ByteArrayInputStream(large)))
                .isEqualTo(large.length);
        ArtifactFile file = repo.open(ArtifactPath.parse("big/data.bin")).orElseThrow();
        assertThat(file.size()).isEqualTo(large.length);
        try (InputStream in = file.open(0)) {
            assertThat(sha256(in)).isEqualTo(sha256(new ByteArrayInputStream(large)));
        }
        try (InputStream in = file.open(large.length - 5)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(large, large.length - 5, large.length));
        }
    }

    @Test
    void aFailedUpload_leavesTheOldFile() throws IOException {
        ArtifactRepository repo = repository();
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
        assertThat(read(repo, "f.txt", 0)).isEqualTo("old");
        assertThat(repo.list(ArtifactPath.ROOT)).extracting(FileInfo::path).containsExactly("f.txt");
    }

    @Test
    void multipart_assemblesPartsInOrder() throws Exception {
        ArtifactRepository repo = repository();
        MultipartUploads mpu = repo.multipart().orElseThrow();
        int partSize = 5 * 1024 * 1024;
        byte[] data = random(2 * partSize + 1234, 11);
        ArtifactPath target = ArtifactPath.parse("1/run/artifacts/model.bin");
        Upload upload = mpu.create(target, 3, (id, n) -> DIRECT + id + "/" + n);
        assertThat(upload.parts()).extracting(PartTarget::partNumber).containsExactly(1, 2, 3);
        assertThat(repo.open(target)).isEmpty();
        List<UploadedPart> parts = new ArrayList<>();
        // Out of order on purpose: clients upload parts in parallel.
        for (int n : new int[] {3, 1, 2}) {
            int from = (n - 1) * partSize;
            byte[] part = Arrays.copyOfRange(data, from, Math.min(data.length, from + partSize));
            parts.add(new UploadedPart(n, uploadPart(mpu, upload.parts().get(n - 1), part)));
        }
        parts.sort(java.util.Comparator.comparingInt(UploadedPart::partNumber));
        mpu.complete(target, upload.uploadId(), parts);
        try (InputStream in = repo.open(target).orElseThrow().open(0)) {
            assertThat(sha256(in)).isEqualTo(sha256(new ByteArrayInputStream(data)));
        }
        assertThat(repo.list(ArtifactPath.parse("1/run/artifacts"))).extracting(FileInfo::path)
                .containsExactly("model.bin");
        assertThat(repo.list(ArtifactPath.ROOT)).extracting(FileInfo::path).containsExactly("1");
    }

    @Test
    void multipart_abortLeavesNothing_andWrongEtagsAreRefused() throws Exception {
        ArtifactRepository repo = repository();
        MultipartUploads mpu = repo.multipart().orElseThrow();
        ArtifactPath target = ArtifactPath.parse("x/y.bin");
        Upload aborted = mpu.create(target, 1, (id, n) -> DIRECT + id + "/" + n);
        uploadPart(mpu, aborted.parts().get(0), random(1000, 1));
        mpu.abort(target, aborted.uploadId());
        assertThat(repo.open(target)).isEmpty();
        assertThat(repo.list(ArtifactPath.ROOT)).isEmpty();

        Upload upload = mpu.create(target, 1, (id, n) -> DIRECT + id + "/" + n);
        uploadPart(mpu, upload.parts().get(0), random(1000, 2));
        assertThatThrownBy(() -> mpu.complete(target, upload.uploadId(), List.of(new UploadedPart(1, "\"bogus\""))))
                .isInstanceOf(OspreyException.class);
        assertThat(repo.open(target)).isEmpty();
        mpu.abort(target, upload.uploadId());
        assertThatThrownBy(() -> mpu.create(target, 0, (id, n) -> "")).isInstanceOf(OspreyException.class);
        assertThatThrownBy(() -> mpu.create(target, MultipartUploads.MAX_PARTS + 1, (id, n) -> ""))
                .isInstanceOf(OspreyException.class);
    }

    /** Sends one part where the upload said to: this repository directly, or the presigned URL. */
    protected static String uploadPart(MultipartUploads mpu, PartTarget part, byte[] data) throws Exception {
        if (part.url().startsWith(DIRECT)) {
            String[] idAndNumber = part.url().substring(DIRECT.length()).split("/");
            return mpu.writePart(idAndNumber[0], Integer.parseInt(idAndNumber[1]), new ByteArrayInputStream(data));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(part.url()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data));
        part.headers().forEach(request::header);
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("ETag").orElseThrow();
    }
}
