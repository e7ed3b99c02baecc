package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactFile;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.server.api.ErrorResponses;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/** Artifact downloads, shared by the proxy and the UI's download route: headers, ranges, streaming. */
final class Downloads {
    private Downloads() {}

    /**
     * Sends the file at a resolved location; storage failing is the server's own failure (answered by
     * {@code Failures}), whatever the route.
     */
    static void send(ServerRequest req, ServerResponse res, ArtifactLocations.Location file) {
        try {
            send(req, res, file.repository(), file.path());
        } catch (IOException e) {
            throw new ServerFailure("Artifact download failed", e);
        }
    }

    /** A required query parameter, with MLflow's wording when it is missing or empty. */
    static String required(ServerRequest req, String name) {
        return req.query().first(name).filter(s -> !s.isEmpty()).orElseThrow(() -> OspreyException.invalid(
                "Missing value for required parameter '" + name + "'."));
    }

    /** Streams the file at {@code path} as an attachment, honouring a single {@code Range}. */
    static void send(ServerRequest req, ServerResponse res, ArtifactRepository repository, ArtifactPath path)
            throws IOException {
        ArtifactFile file = repository.open(path).orElseThrow(() -> OspreyException.notFound(
                "No such artifact: '" + path + "'"));
        long size = file.size();
        Optional<ByteRange> range = ByteRange.parse(req.headers().first(HeaderNames.RANGE).orElse(""), size);
        res.header(HeaderNames.CONTENT_TYPE, ContentTypes.of(file.name()));
        res.header(HeaderNames.CONTENT_DISPOSITION, ContentTypes.attachment(file.name()));
        res.header("X-Content-Type-Options", "nosniff");
        res.header(HeaderNames.ACCEPT_RANGES, "bytes");
        long start = 0;
        long length = size;
        if (range.isPresent()) {
            if (!range.get().satisfiable()) {
                res.header(HeaderNames.CONTENT_RANGE, "bytes */" + size);
                ErrorResponses.send(res, 416, ErrorCode.INVALID_PARAMETER_VALUE, "Range not satisfiable for a file "
                        + "of " + size
                        + " bytes.");
                return;
            }
            start = range.get().start();
            length = range.get().length();
            res.status(Status.PARTIAL_CONTENT_206);
            res.header(HeaderNames.CONTENT_RANGE, "bytes " + start + "-" + (start + length - 1) + "/" + size);
        }
        res.header(HeaderNames.CONTENT_LENGTH, Long.toString(length));
        try (InputStream in = file.open(start); OutputStream out = res.outputStream()) {
            copy(in, out, length);
        }
    }

    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("File ended " + left + " bytes early");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

}
