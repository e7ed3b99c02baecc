package dev.osprey.gateway;

import dev.osprey.gateway.provider.UpstreamRequest;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * {@link UpstreamClient} on Helidon's blocking WebClient: the exchange runs on the caller's (virtual) thread over
 * pooled keep-alive connections, with no hand-off to a selector thread. Redirects are not followed.
 */
public final class HelidonUpstreamClient implements UpstreamClient {
    private final WebClient client = WebClient.builder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(false)
            .shareConnectionCache(false)
            .build();

    @Override
    public Response post(UpstreamRequest request, Duration timeout) throws IOException {
        HttpClientRequest r = client.post().uri(request.uri()).readTimeout(timeout);
        request.headers().forEach((name, value) -> r.header(HeaderNames.create(name), value));
        HttpClientResponse response;
        try {
            response = r.submit(request.body());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return new Response() {
            @Override
            public int status() {
                return response.status().code();
            }

            @Override
            public InputStream body() {
                return response.inputStream();
            }

            @Override
            public void close() {
                response.close();
            }
        };
    }
}
