package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Moving a run's artifacts: through the server's artifact proxy for {@code mlflow-artifacts:} roots (large files in
 * parallel parts when the server supports multipart upload), straight on the file system for local roots, and
 * downloads from any root the server can read through its {@code get-artifact} route.
 */
final class ArtifactTransfers {
    private static final String PROXY_SCHEME = "mlflow-artifacts:";
    private static final String PROXY_ROUTE = "/api/2.0/mlflow-artifacts/";

    private final Transport transport;
    private final ArtifactSettings settings;
    private final Function<String, String> artifactUriOfRun;

    ArtifactTransfers(Transport transport, ArtifactSettings settings, Function<String, String> artifactUriOfRun) {
        this.transport = transport;
        this.settings = settings;
        this.artifactUriOfRun = artifactUriOfRun;
    }

    /** Where a run's artifacts live, as the client reaches them. */
    private sealed interface Root permits Proxied, Local, ServerSide {}

    /** Through the proxy; {@code rel} is the root's path in the destination. */
    private record Proxied(String rel) implements Root {}

    private record Local(Path dir) implements Root {}

    /** A store only the server reaches (s3://... without the proxy): readable through get-artifact. */
    private record ServerSide(String uri) implements Root {}

    private Root root(String runId) {
        return rootOf(artifactUriOfRun.apply(runId));
    }

    private static Root rootOf(String uri) {
        if (uri.startsWith(PROXY_SCHEME)) {
            String rest = uri.substring(PROXY_SCHEME.length());
            if (rest.startsWith("//")) {
                int slash = rest.indexOf('/', 2);
                rest = slash < 0 ? "" : rest.substring(slash);
            }
            return new Proxied(trim(rest));
        }
        int marker = uri.indexOf("/mlflow-artifacts/artifacts/");
        if ((uri.startsWith("http://") || uri.startsWith("https://")) && marker > 0) {
            return new Proxied(trim(URI.create(uri).getPath().substring(
                    URI.create(uri).getPath().indexOf("/mlflow-artifacts/artifacts/") + 28)));
        }
        if (uri.startsWith("file:")) {
            return new Local(Path.of(URI.create(uri)));
        }
        if (uri.startsWith("/")) {
            return new Local(Path.of(uri));
        }
        return new ServerSide(uri);
    }

    // ------------------------------------------------------------------ upload

    void upload(String runId, Path local, String artifactPath) {
        if (!Files.exists(local)) {
            throw new IllegalArgumentException("No file or directory at " + local);
        }
        Root root = root(runId);
        String base = trim(artifactPath);
        try {
            if (Files.isDirectory(local)) {
                try (Stream<Path> files = Files.walk(local)) {
                    for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                        String relDir = local.relativize(file).getParent() == null ? ""
                                : local.relativize(file).getParent().toString().replace('\\', '/');
                        uploadFile(root, join(base, relDir), file);
                    }
                }
            } else {
                uploadFile(root, base, local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + local, e);
        }
    }

    private void uploadFile(Root root, String dir, Path file) throws IOException {
        String name = file.getFileName().toString();
        switch (root) {
            case Proxied p -> {
                long size = Files.size(file);
                if (size < settings.multipartThreshold() || !uploadInParts(join(p.rel(), dir), file, size)) {
                    HttpRequest put = HttpRequest.newBuilder(URI.create(proxyUrl("artifacts", join(join(p.rel(), dir),
                            name)))).timeout(transport.requestTimeout().multipliedBy(10))
                            .PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
                    transport.exchange(put, HttpResponse.BodyHandlers.discarding(), "upload of " + file);
                }
            }
            case Local l -> {
                Path target = l.dir().resolve(dir).resolve(name);
                Files.createDirectories(target.getParent());
                Path temp = target.resolveSibling("." + name + ".uploading");
                Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            case ServerSide s -> throw new OspreyClientException(ErrorCode.NOT_IMPLEMENTED, 0, "The run's artifact "
                    + "root " + s.uri() + " is not served by the tracking server's artifact proxy, and this SDK "
                    + "writes only through the proxy (mlflow-artifacts:) or to local paths. Start the server with "
                    + "--serve-artifacts and the default artifact root, or write with your store's own client.");
        }
    }

    /** Multipart upload; false when the server does not support it, so the caller sends the file whole. */
    private boolean uploadInParts(String dir, Path file, long size) {
        long partSize = Math.max(settings.partSize(), ceilDiv(size, 10_000));
        int numParts = (int) ceilDiv(size, partSize);
        String clientPath = file.toAbsolutePath().toString();
        Message created;
        try {
            created = postJson(proxyUrl("mpu/create", dir), Json.object().put("path", clientPath)
                    .put("num_parts", numParts), "multipart create for " + file);
        } catch (OspreyClientException e) {
            if (e.errorCode() == ErrorCode.NOT_IMPLEMENTED) {
                return false;
            }
            throw e;
        }
        String uploadId = created.requiredString("upload_id");
        try {
            List<Message> credentials = created.messages("credentials");
            List<ObjectNode> parts = uploadParts(file, size, partSize, credentials);
            ObjectNode complete = Json.object().put("path", clientPath).put("upload_id", uploadId);
            ArrayNode array = complete.putArray("parts");
            parts.forEach(array::add);
            postJson(proxyUrl("mpu/complete", dir), complete, "multipart complete for " + file);
            return true;
        } catch (RuntimeException e) {
            try {
                postJson(proxyUrl("mpu/abort", dir), Json.object().put("path", clientPath).put("upload_id", uploadId),
                        "multipart abort for " + file);
            } catch (RuntimeException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw e;
        }
    }

    private List<ObjectNode> uploadParts(Path file, long size, long partSize, List<Message> credentials) {
        ExecutorService pool = Executors.newFixedThreadPool(settings.parallelism(), r -> {
            Thread t = new Thread(r, "osprey-artifact-part");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ObjectNode>> futures = new ArrayList<>();
            for (Message credential : credentials) {
                futures.add(pool.submit(() -> uploadPart(file, size, partSize, credential)));
            }
            List<ObjectNode> parts = new ArrayList<>();
            for (Future<ObjectNode> f : futures) {
                parts.add(f.get());
            }
            parts.sort(java.util.Comparator.comparingLong(p -> p.get("part_number").asLong()));
            return parts;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new OspreyClientException(ErrorCode.INTERNAL_ERROR, 0, "Part upload failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyClientException(ErrorCode.CANCELLED, 0, "Interrupted uploading " + file);
        } finally {
            pool.shutdownNow();
        }
    }

    private ObjectNode uploadPart(Path file, long size, long partSize, Message credential) {
        long n = credential.int64("part_number").orElseThrow(() -> credential.missingField("part_number"));
        String url = credential.requiredString("url");
        long offset = (n - 1) * partSize;
        long length = Math.min(partSize, size - offset);
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(url))
                .timeout(transport.requestTimeout().multipliedBy(10))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> slice(file, offset, length)), length));
        credential.message("headers").ifPresent(headers -> headers.fieldNames().forEach(name ->
                headers.string(name).ifPresent(value -> put.header(name, value))));
        HttpResponse<Void> response = transport.exchange(put.build(), HttpResponse.BodyHandlers.discarding(),
                "part " + n + " of " + file);
        String etag = response.headers().firstValue("ETag").orElse("");
        return Json.object().put("part_number", n).put("etag", etag).put("url", url);
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return new java.io.FilterInputStream(in) {
                private long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ list and download

    List<ArtifactInfo> list(String runId, String path) {
        Message m = transport.get("/api/2.0/mlflow/artifacts/list", path.isEmpty() ? Map.of("run_id",
                List.of(runId)) : Map.of("run_id", List.of(runId), "path", List.of(trim(path))));
        return m.messages("files").stream().map(f -> new ArtifactInfo(f.requiredString("path"),
                f.bool("is_dir").orElse(false), f.int64("file_size"))).toList();
    }

    Path download(String runId, String path, Path destination) {
        Root root = root(runId);
        String rel = trim(path);
        try {
            Files.createDirectories(destination);
            List<ArtifactInfo> children = list(runId, rel);
            if (children.isEmpty() && !rel.isEmpty()) {
                Path target = destination.resolve(rel);
                downloadFile(root, runId, rel, target);
                return target;
            }
            downloadTree(root, runId, children, destination);
            return rel.isEmpty() ? destination : destination.resolve(rel);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write under " + destination, e);
        }
    }

    /**
     * Downloads everything under an artifact URI that is not a run's (a logged model's artifact location) into
     * {@code destination}: through the proxy for {@code mlflow-artifacts:} roots, copied for local ones.
     */
    Path downloadRoot(String artifactUri, Path destination) {
        Root root = rootOf(artifactUri);
        try {
            Files.createDirectories(destination);
            if (root instanceof Local l) {
                try (Stream<Path> files = Files.walk(l.dir())) {
                    for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        Path target = destination.resolve(l.dir().relativize(file).toString()).normalize();
                        Files.createDirectories(target.getParent());
                        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                return destination;
            }
            if (!(root instanceof Proxied p)) {
                throw new OspreyClientException(ErrorCode.INVALID_PARAMETER_VALUE, 0, "Artifacts at " + artifactUri
                        + " are reachable only by the server; this client downloads mlflow-artifacts: and local "
                        + "locations.");
            }
            downloadProxiedTree(p, "", destination);
            return destination;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write under " + destination, e);
        }
    }

    /** The proxy's listing of a directory under the root: entries named relative to the root. */
    private void downloadProxiedTree(Proxied root, String dir, Path destination) throws IOException {
        Message m = transport.get(PROXY_ROUTE + "artifacts", Map.of("path", List.of(join(root.rel(), dir))));
        for (Message f : m.messages("files")) {
            String rel = join(dir, f.requiredString("path"));
            Path target = destination.resolve(rel).normalize();
            if (!target.startsWith(destination.normalize())) {
                throw new OspreyClientException(ErrorCode.INVALID_PARAMETER_VALUE, 0, "Refusing artifact path '"
                        + rel + "': it leaves the download directory.");
            }
            if (f.bool("is_dir").orElse(false)) {
                downloadProxiedTree(root, rel, destination);
            } else {
                downloadFile(root, "", rel, target);
            }
        }
    }

    private void downloadTree(Root root, String runId, List<ArtifactInfo> entries, Path destination)
            throws IOException {
        for (ArtifactInfo entry : entries) {
            Path target = destination.resolve(entry.path()).normalize();
            if (!target.startsWith(destination.normalize())) {
                throw new OspreyClientException(ErrorCode.INVALID_PARAMETER_VALUE, 0, "Refusing artifact path '"
                        + entry.path() + "': it leaves the download directory.");
            }
            if (entry.isDir()) {
                Files.createDirectories(target);
                downloadTree(root, runId, list(runId, entry.path()), destination);
            } else {
                downloadFile(root, runId, entry.path(), target);
            }
        }
    }

    /** One file, into a temporary file that replaces the target when complete; resumes by range when it can. */
    private void downloadFile(Root root, String runId, String rel, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        if (root instanceof Local l) {
            Files.copy(l.dir().resolve(rel), target, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        String url = root instanceof Proxied p ? proxyUrl("artifacts", join(p.rel(), rel))
                : transport.baseUrl() + "/get-artifact?run_id=" + encode(runId) + "&path=" + encode(rel);
        Path temp = target.resolveSibling("." + target.getFileName() + ".downloading");
        try (OutputStream out = Files.newOutputStream(temp)) {
            long written = 0;
            for (int attempt = 1; ; attempt++) {
                HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(url))
                        .timeout(transport.requestTimeout().multipliedBy(10));
                if (written > 0) {
                    get.header("Range", "bytes=" + written + "-");
                }
                HttpResponse<InputStream> response = transport.exchange(get.build(),
                        HttpResponse.BodyHandlers.ofInputStream(), "download of " + rel);
                if (written > 0 && response.statusCode() != 206) {
                    response.body().close();
                    throw new IOException("The server cannot resume " + rel + " (no range support)");
                }
                try (InputStream in = response.body()) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        out.write(buffer, 0, n);
                        written += n;
                    }
                    break;
                } catch (IOException e) {
                    if (attempt >= 5 || root instanceof ServerSide) {
                        throw e;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }

    // ------------------------------------------------------------------ helpers

    private Message postJson(String url, ObjectNode body, String what) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(transport.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))).build();
        byte[] answer = transport.exchange(request, HttpResponse.BodyHandlers.ofByteArray(), what).body();
        try {
            return answer.length == 0 ? Message.empty()
                    : Message.ofJson((ObjectNode) Json.read(answer));
        } catch (IOException | ClassCastException e) {
            throw new OspreyClientException(ErrorCode.INTERNAL_ERROR, 200, "Invalid JSON from " + what);
        }
    }

    private String proxyUrl(String route, String rel) {
        StringBuilder url = new StringBuilder(transport.baseUrl()).append(PROXY_ROUTE).append(route);
        for (String segment : rel.split("/")) {
            if (!segment.isEmpty()) {
                url.append('/').append(encode(segment).replace("+", "%20"));
            }
        }
        return url.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String trim(String path) {
        return path.replace('\\', '/').replaceAll("^/+", "").replaceAll("/+$", "");
    }

    private static String join(String a, String b) {
        String x = trim(a);
        String y = trim(b);
        return x.isEmpty() ? y : y.isEmpty() ? x : x + "/" + y;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
