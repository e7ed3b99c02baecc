package dev.osprey.gateway;

import dev.osprey.gateway.provider.UpstreamRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** {@link UpstreamClient} on the JDK's HttpClient: pooled keep-alive, HTTP/2 over TLS, no redirects. */
public final class JdkUpstreamClient implements UpstreamClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @Override
    public Response post(UpstreamRequest request, Duration timeout) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(request.uri()).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if ("http".equals(request.uri().getScheme())) {
            // No h2c upgrade attempt on plain-text upstreams (local models, mocks).
            b.version(HttpClient.Version.HTTP_1_1);
        }
        request.headers().forEach(b::header);
        HttpResponse<InputStream> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        return new Response() {
            @Override
            public int status() {
                return response.statusCode();
            }

            @Override
            public InputStream body() {
                return response.body();
            }

            @Override
            public void close() {
                try {
                    response.body().close();
                } catch (IOException ignored) {
                    // the connection is dropped instead of reused
                }
            }
        };
    }
}
