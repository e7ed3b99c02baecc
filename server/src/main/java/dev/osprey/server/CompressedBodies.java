package dev.osprey.server;

import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;
import java.util.Set;

/**
 * Lets compressed request bodies through to the handlers undecoded: Helidon refuses a request whose
 * {@code Content-Encoding} no registered encoding names, before any handler runs. OTLP ingest decodes gzip and
 * deflate itself, with a bound on the decoded size and MLflow's error answers; responses are never encoded.
 */
final class CompressedBodies implements ContentEncoding {
    @Override
    public Set<String> ids() {
        return Set.of("gzip", "x-gzip", "deflate");
    }

    @Override
    public boolean supportsEncoding() {
        return false;
    }

    @Override
    public boolean supportsDecoding() {
        return true;
    }

    @Override
    public ContentDecoder decoder() {
        return ContentDecoder.NO_OP;
    }

    @Override
    public ContentEncoder encoder() {
        return ContentEncoder.NO_OP;
    }

    @Override
    public String name() {
        return "osprey-pass-through";
    }

    @Override
    public String type() {
        return "pass-through";
    }
}
