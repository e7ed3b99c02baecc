package dev.osprey.server.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.MultipartUploads;
import dev.osprey.artifacts.MultipartUploads.PartTarget;
import dev.osprey.artifacts.MultipartUploads.Upload;
import dev.osprey.artifacts.MultipartUploads.UploadedPart;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's multipart upload routes (spec/artifacts.md §3): {@code mpu/create|complete|abort/<dir>} and, for
 * repositories whose parts come through this server, {@code PUT mpu/parts/<upload id>/<part number>}. The route
 * path names the artifact directory; the file name is the base name of the client's local {@code path}.
 */
final class MultipartRoutes {
    private static final String PARTS = "parts/";
    private static final int MAX_BODY = 16 * 1024 * 1024;
    private static final io.helidon.http.HeaderName FORWARDED_PROTO = HeaderNames.create("X-Forwarded-Proto");
    private static final io.helidon.http.HeaderName FORWARDED_HOST = HeaderNames.create("X-Forwarded-Host");

    private final ArtifactRepository repository;
    private final java.util.function.Consumer<ArtifactPath> completed;

    /** @param completed told about every file a completed upload stored (trace files become spans) */
    MultipartRoutes(ArtifactRepository repository, java.util.function.Consumer<ArtifactPath> completed) {
        this.repository = repository;
        this.completed = completed;
    }

    /**
     * @param route what follows {@code mpu/}
     * @param routePrefix the request's path up to and including {@code mlflow-artifacts/}, for part URLs
     */
    void handle(ServerRequest req, ServerResponse res, String method, String route, String routePrefix)
            throws IOException {
        MultipartUploads uploads = repository.multipart().orElseThrow(() -> new OspreyException(
                ErrorCode.NOT_IMPLEMENTED, "Multipart upload is not supported for the current artifact repository"));
        if (route.startsWith(PARTS)) {
            requireMethod(method, "PUT", route);
            writePart(req, res, uploads, route.substring(PARTS.length()));
            return;
        }
        String action = route.contains("/") ? route.substring(0, route.indexOf('/')) : route;
        String dir = route.length() > action.length() ? route.substring(action.length() + 1) : "";
        if (!List.of("create", "complete", "abort").contains(action)) {
            throw new OspreyException(ErrorCode.ENDPOINT_NOT_FOUND, "No multipart upload endpoint 'mpu/" + action
                    + "'.");
        }
        requireMethod(method, "POST", route);
        Message body = body(req);
        ArtifactPath target = ArtifactPath.parse(ArtifactProxyHandler.decode(dir))
                .resolve(ArtifactPath.parse(baseName(body.requiredString("path"))));
        switch (action) {
            case "create" -> create(req, res, uploads, body, target, routePrefix);
            case "complete" -> {
                uploads.complete(target, body.requiredString("upload_id"), parts(body));
                completed.accept(target);
                json(res, Json.object());
            }
            default -> {
                uploads.abort(target, body.requiredString("upload_id"));
                json(res, Json.object());
            }
        }
    }

    private static void create(ServerRequest req, ServerResponse res, MultipartUploads uploads, Message body,
            ArtifactPath target, String routePrefix) throws IOException {
        long numParts = body.int64("num_parts").orElseThrow(() -> body.missingField("num_parts"));
        if (numParts < 1 || numParts > MultipartUploads.MAX_PARTS) {
            throw OspreyException.invalid("num_parts must be between 1 and " + MultipartUploads.MAX_PARTS
                    + ", got " + numParts + ".");
        }
        String base = baseUrl(req) + routePrefix + "mpu/" + PARTS;
        Upload upload = uploads.create(target, (int) numParts, (id, n) -> base + id + "/" + n);
        ObjectNode out = Json.object();
        out.put("upload_id", upload.uploadId());
        ArrayNode credentials = out.putArray("credentials");
        for (PartTarget part : upload.parts()) {
            ObjectNode c = credentials.addObject().put("url", part.url()).put("part_number", part.partNumber());
            ObjectNode headers = c.putObject("headers");
            part.headers().forEach(headers::put);
        }
        json(res, out);
    }

    private static void writePart(ServerRequest req, ServerResponse res, MultipartUploads uploads, String rest)
            throws IOException {
        String[] idAndNumber = rest.split("/", -1);
        if (idAndNumber.length != 2 || !idAndNumber[1].matches("[0-9]{1,5}")) {
            throw OspreyException.invalid("A part URL ends in <upload id>/<part number>.");
        }
        String etag;
        try (InputStream in = req.content().inputStream()) {
            etag = uploads.writePart(idAndNumber[0], Integer.parseInt(idAndNumber[1]), in);
        } catch (UnsupportedOperationException e) {
            throw OspreyException.invalid("Parts of this upload go to their presigned URLs, not to this server.");
        }
        res.header(HeaderNames.ETAG, etag);
        json(res, Json.object());
    }

    private static List<UploadedPart> parts(Message body) {
        List<Message> parts = body.messages("parts");
        if (parts.isEmpty()) {
            throw body.missingField("parts");
        }
        List<UploadedPart> out = new ArrayList<>(parts.size());
        for (Message part : parts) {
            long n = part.int64("part_number").orElseThrow(() -> part.missingField("part_number"));
            if (n < 1 || n > MultipartUploads.MAX_PARTS) {
                throw OspreyException.invalid("part_number must be between 1 and " + MultipartUploads.MAX_PARTS
                        + ", got " + n + ".");
            }
            out.add(new UploadedPart((int) n, part.string("etag").orElse("")));
        }
        return out;
    }

    /** The file name of the client's local path, whichever separator its platform uses. */
    static String baseName(String clientPath) {
        String trimmed = clientPath.replaceAll("[/\\\\]+$", "");
        int cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
        return trimmed.substring(cut + 1);
    }

    private static Message body(ServerRequest req) throws IOException {
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw OspreyException.invalid("Request body larger than " + MAX_BODY + " bytes.");
        }
        if (bytes.length == 0) {
            return Message.empty();
        }
        JsonNode node;
        try {
            node = Json.read(bytes);
        } catch (IOException e) {
            throw OspreyException.invalid("Malformed request: the body is not valid JSON.");
        }
        if (!(node instanceof ObjectNode object)) {
            throw OspreyException.invalid("The request body must be a JSON object.");
        }
        return Message.ofJson(object);
    }

    /** Scheme and authority the client used, as a reverse proxy reports them when there is one. */
    private static String baseUrl(ServerRequest req) {
        String proto = req.headers().first(FORWARDED_PROTO).orElse("http");
        String host = req.headers().first(FORWARDED_HOST)
                .or(() -> req.headers().first(HeaderNames.HOST))
                .orElseGet(() -> req.localPeer().host() + ":" + req.localPeer().port());
        if (!proto.equals("http") && !proto.equals("https")) {
            proto = "http";
        }
        return proto + "://" + host;
    }

    private static void requireMethod(String method, String expected, String route) {
        if (!method.equals(expected)) {
            throw new OspreyException(ErrorCode.ENDPOINT_NOT_FOUND, "Method " + method + " is not allowed for mpu/"
                    + route + "; use " + expected + ".");
        }
    }

    private static void json(ServerResponse res, ObjectNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(body));
    }
}
