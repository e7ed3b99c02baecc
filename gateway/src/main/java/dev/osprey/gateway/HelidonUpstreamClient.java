package dev.osprey.gateway;

import dev.osprey.gateway.provider.UpstreamRequest;
import dev.osprey.core.net.UrlGuard;
import io.helidon.common.buffers.DataReader;
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
        HttpClientResponse response;
        try {
            response = submit(request, timeout, true);
        } catch (DataReader.InsufficientDataAvailableException | UncheckedIOException e) {
            if (!closedBeforeAnswering(e)) {
                if (e instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                throw e;
            }
            // The pooled connection was closed by the provider before it answered (it ended the connection after
            // its previous answer, as HTTP/1.0 servers do, or an idle time-out did): the call never reached it.
            // Once more on a connection of its own, which is not pooled.
            try {
                response = submit(request, timeout, false);
            } catch (UncheckedIOException again) {
                throw again.getCause();
            }
        }
        HttpClientResponse answered = response;
        return new Response() {
            @Override
            public int status() {
                return answered.status().code();
            }

            @Override
            public InputStream body() {
                return answered.inputStream();
            }

            @Override
            public void close() {
                answered.close();
            }
        };
    }

    private HttpClientResponse submit(UpstreamRequest request, Duration timeout, boolean pooled) {
        HttpClientRequest r = client.post().uri(request.uri()).readTimeout(timeout).keepAlive(pooled);
        request.headers().forEach((name, value) -> r.header(HeaderNames.create(name), value));
        return r.submit(request.body());
    }

    /** A connection that ended with no byte of an answer: read to its end, reset, or written to after closing. */
    private static boolean closedBeforeAnswering(RuntimeException e) {
        if (e instanceof DataReader.InsufficientDataAvailableException) {
            return true;
        }
        Throwable cause = e.getCause();
        String message = cause == null ? "" : String.valueOf(cause.getMessage());
        return cause instanceof java.io.EOFException || (cause instanceof java.net.SocketException
                && (message.contains("reset") || message.contains("Broken pipe")));
    }
}
