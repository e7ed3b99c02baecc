package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.net.BlockedAddressException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.provider.UpstreamRequest;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The upstream client resolves host names through the SSRF guard when it connects, so a name that passed the check
 * and then started resolving to an internal address (DNS rebinding) is still refused, and nothing is sent.
 */
class PinnedResolutionTest {
    private static UpstreamRequest chat(MockProvider mock) {
        URI uri = URI.create("http://localhost:" + URI.create(mock.baseUrl()).getPort() + "/v1/chat/completions");
        return new UpstreamRequest(uri, Map.of("Content-Type", "application/json", "Authorization", "Bearer k"),
                "{\"model\":\"m\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void internalAddress_isRefusedAtConnectTime() throws IOException {
        try (MockProvider mock = new MockProvider()) {
            UrlGuard strict = new UrlGuard(List.of(), "Provider base URL", "Allow it explicitly.", false);
            HelidonUpstreamClient client = new HelidonUpstreamClient(strict);
            assertThatThrownBy(() -> client.post(chat(mock), Duration.ofSeconds(5)))
                    .isInstanceOf(BlockedAddressException.class)
                    .hasMessageContaining("now resolves to an internal address (127.0.0.1)");
            assertThat(mock.calls()).isZero();
        }
    }

    @Test
    void allowedHost_connects() throws IOException {
        try (MockProvider mock = new MockProvider()) {
            UrlGuard allowing = new UrlGuard(List.of("localhost"), "Provider base URL", "", false);
            try (UpstreamClient.Response r = new HelidonUpstreamClient(allowing).post(chat(mock),
                    Duration.ofSeconds(5))) {
                assertThat(r.status()).isEqualTo(200);
                assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8)).contains("chat.completion");
            }
            assertThat(mock.calls()).isEqualTo(1);
        }
    }
}
