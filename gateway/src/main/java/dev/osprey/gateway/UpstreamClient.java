package dev.osprey.gateway;

import dev.osprey.gateway.provider.UpstreamRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * Sends a provider request and hands back the answer as a stream, so streamed answers flow through as they arrive.
 * Two implementations are measured against each other by GW-1 (docs/benchmarks.md): Helidon's blocking WebClient,
 * which runs the exchange on the calling virtual thread, and the JDK's HttpClient.
 */
public interface UpstreamClient {

    /** An answer whose body must be read or closed to give the connection back. */
    interface Response extends AutoCloseable {
        int status();

        InputStream body();

        @Override
        void close();
    }

    /**
     * POSTs the request; {@code timeout} bounds the wait for the answer's head (and, for Helidon, each read).
     *
     * @throws IOException when the provider cannot be reached or does not answer in time
     */
    Response post(UpstreamRequest request, Duration timeout) throws IOException;

    /**
     * The client by name ({@code OSPREY_GATEWAY_HTTP_CLIENT}): {@code helidon}, which connects to the address the
     * guard checked, or {@code jdk}, kept for comparisons (it resolves names again itself).
     */
    static UpstreamClient named(String name, dev.osprey.core.net.UrlGuard guard) {
        return "jdk".equalsIgnoreCase(name) ? new JdkUpstreamClient() : new HelidonUpstreamClient(guard);
    }
}
