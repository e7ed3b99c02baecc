package dev.osprey.gateway;

import dev.osprey.gateway.provider.UpstreamRequest;
import dev.osprey.core.net.UrlGuard;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.spi.DnsResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * {@link UpstreamClient} on Helidon's blocking WebClient: the exchange runs on the caller's (virtual) thread over
 * pooled keep-alive connections, with no hand-off to a selector thread. Redirects are not followed. Host names are
 * resolved through the SSRF guard, so the address connected to is the address checked.
 */
public final class HelidonUpstreamClient implements UpstreamClient {
    private final WebClient client;

    public HelidonUpstreamClient(UrlGuard guard) {
        // Keep a connection per concurrent call alive (the default keeps 10, so busier endpoints would open a TCP
        // connection per request).
        this.client = pinned(guard, Duration.ofSeconds(10), 512);
    }

    /**
     * A client that resolves every host through {@code guard} when it connects, so the address connected to is the
     * address checked (no DNS-rebinding window between a check and a second resolution), follows no redirects and
     * sends small requests at once (no Nagle wait).
     */
    public static WebClient pinned(UrlGuard guard, Duration connectTimeout, int keptConnections) {
        return WebClient.builder()
                .connectTimeout(connectTimeout)
                .followRedirects(false)
                .shareConnectionCache(false)
                .connectionCacheSize(keptConnections)
                .socketOptions(o -> o.tcpNoDelay(true))
                .dnsResolver(new DnsResolver() {
                    @Override
                    public boolean useDefaultJavaResolver() {
                        return false;
                    }

                    @Override
                    public InetAddress resolveAddress(String hostname, DnsAddressLookup lookup) {
                        try {
                            return guard.pinnedAddress(hostname);
                        } catch (UnknownHostException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                })
                .build();
    }

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
