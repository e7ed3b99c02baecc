package dev.osprey.server.artifacts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.FileInfo;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ErrorResponses;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The {@code mlflow-artifacts} proxy (spec/artifacts.md §3): streamed download (with {@code Range}), streamed
 * upload, listing and deletion under the artifacts destination. The path is taken from the raw request path and
 * percent-decoded exactly once here, then checked by {@link ArtifactPath}; HTTP stacks that normalise {@code ..}
 * never get the chance to hide it.
 */
public final class ArtifactProxyHandler implements Handler {
    private static final String SEGMENT = "/mlflow-artifacts/";

    private final ArtifactRepository repository;
    private final java.util.function.Consumer<ArtifactPath> uploaded;
    private final MultipartRoutes multipart;
    private final boolean enabled;
    private final String[] prefixes;

    public ArtifactProxyHandler(ArtifactRepository repository, boolean enabled, String staticPrefix) {
        this(repository, enabled, staticPrefix, path -> { });
    }

    /** A proxy that tells {@code uploaded} about every file it stored (trace files become spans). */
    public ArtifactProxyHandler(ArtifactRepository repository, boolean enabled, String staticPrefix,
            java.util.function.Consumer<ArtifactPath> uploaded) {
        this.uploaded = uploaded;
        this.repository = repository;
        this.multipart = new MultipartRoutes(repository, uploaded);
        this.enabled = enabled;
        this.prefixes = new String[] {"/api/2.0" + SEGMENT, staticPrefix + "/ajax-api/2.0" + SEGMENT};
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String raw = req.path().rawPath();
        Optional<String> rest = rest(raw);
        if (rest.isEmpty()) {
            res.next();
            return;
        }
        if (!enabled) {
            res.status(Status.SERVICE_UNAVAILABLE_503);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send("Endpoint " + req.path().path() + " disabled due to the mlflow server running with "
                    + "`--no-serve-artifacts`. To enable artifacts server functionality, run `mlflow server` with "
                    + "`--serve-artifacts`");
            return;
        }
        String method = req.prologue().method().text();
        try {
            String route = rest.get();
            if (route.equals("artifacts") && method.equals("GET")) {
                list(req, res);
            } else if (route.startsWith("artifacts/")) {
                ArtifactPath path = ArtifactPath.parse(decode(route.substring("artifacts/".length())));
                switch (method) {
                    case "GET" -> download(req, res, path);
                    case "PUT" -> upload(req, res, path);
                    case "DELETE" -> delete(res, path);
                    default -> error(res, 405, ErrorCode.ENDPOINT_NOT_FOUND, "Method " + method + " is not allowed"
                            + " for artifacts; use GET, PUT or DELETE.");
                }
            } else if (route.startsWith("presigned/") && method.equals("GET")) {
                presignedDownload(res, ArtifactPath.parse(decode(route.substring("presigned/".length()))));
            } else if (route.startsWith("mpu/")) {
                multipart.handle(req, res, method, route.substring("mpu/".length()),
                        raw.substring(0, raw.length() - route.length()));
            } else {
                error(res, 404, ErrorCode.ENDPOINT_NOT_FOUND, "No API endpoint " + method + " " + raw
                        + " on this server.");
            }
        } catch (IOException e) {
            throw new ServerFailure("Artifact storage failed", e); // answered by Failures, like every server failure
        }
    }

    private Optional<String> rest(String rawPath) {
        for (String prefix : prefixes) {
            if (rawPath.startsWith(prefix)) {
                return Optional.of(rawPath.substring(prefix.length()));
            }
        }
        return Optional.empty();
    }

    private void list(ServerRequest req, ServerResponse res) throws IOException {
        ArtifactPath dir = ArtifactPath.parse(req.query().first("path").orElse(""));
        ObjectNode out = Json.object();
        var files = repository.list(dir);
        if (!files.isEmpty()) {
            ArrayNode array = out.putArray("files");
            for (FileInfo f : files) {
                ObjectNode node = array.addObject().put("path", f.path()).put("is_dir", f.isDir());
                f.fileSize().ifPresent(size -> node.put("file_size", size));
            }
        }
        json(res, out);
    }

    private void download(ServerRequest req, ServerResponse res, ArtifactPath path) throws IOException {
        Downloads.send(req, res, repository, path);
    }

    /** MLflow's GetPresignedDownloadUrl: a URL to GET the file from the storage itself, for 300 s as MLflow's. */
    private void presignedDownload(ServerResponse res, ArtifactPath path) throws IOException {
        var presigning = repository.presigning().orElseThrow(() -> new OspreyException(ErrorCode.NOT_IMPLEMENTED,
                "Multipart download is not supported for the current artifact repository"));
        var url = presigning.download(path, java.time.Duration.ofSeconds(300)).orElseThrow(() ->
                OspreyException.notFound("Artifact '" + path + "' not found."));
        ObjectNode out = Json.object().put("url", url.url());
        ObjectNode headers = out.putObject("headers");
        url.headers().forEach(headers::put);
        url.fileSize().ifPresent(size -> out.put("file_size", size));
        json(res, out);
    }

    private void upload(ServerRequest req, ServerResponse res, ArtifactPath path) throws IOException {
        try (InputStream in = req.content().inputStream()) {
            repository.write(path, in);
        }
        uploaded.accept(path);
        json(res, Json.object());
    }

    private void delete(ServerResponse res, ArtifactPath path) throws IOException {
        if (path.isRoot()) {
            throw OspreyException.invalid("Invalid path '': refusing to delete the artifact root.");
        }
        repository.delete(path);
        json(res, Json.object());
    }

    private static void json(ServerResponse res, ObjectNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(body));
    }

    private static void error(ServerResponse res, int status, ErrorCode code, String message) {
        ErrorResponses.send(res, status, code, message);
    }

    /** Percent-decoding of a path, once; a malformed escape is a client error. */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw OspreyException.invalid("Invalid path: malformed percent-encoding.");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw OspreyException.invalid("Invalid path: malformed percent-encoding.");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
