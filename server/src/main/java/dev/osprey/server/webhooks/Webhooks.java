package dev.osprey.server.webhooks;

import dev.osprey.core.net.UrlGuard;

import dev.osprey.server.secrets.SecretBox;
import dev.osprey.store.WebhookStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Assembles the webhook parts from the server's settings: the secrets key ({@code OSPREY_SECRETS_KEY}, else the file
 * {@code OSPREY_SECRETS_KEY_FILE}, else {@code osprey-secrets.key} beside a SQLite database or
 * {@code ~/.osprey/secrets.key}), the hosts allowed despite the SSRF guard and the first retry delay.
 */
public record Webhooks(WebhookDispatcher dispatcher, WebhookService service) implements AutoCloseable {

    /**
     * @param allowedHosts {@code OSPREY_WEBHOOK_ALLOWED_HOSTS} (or {@code -Dosprey.webhook.allowedHosts})
     * @param initialBackoff {@code -Dosprey.webhook.initialBackoffMillis}: the first delay before a retry
     * @param secretsKey {@code OSPREY_SECRETS_KEY}: base64 of 32 bytes
     * @param secretsKeyFile {@code OSPREY_SECRETS_KEY_FILE}: a file holding it
     * @param home the user's home directory, where {@code .osprey/secrets.key} is kept without either
     */
    public record Settings(List<String> allowedHosts, Duration initialBackoff, Optional<String> secretsKey,
            Optional<Path> secretsKeyFile, Path home) {
        public Settings {
            allowedHosts = List.copyOf(allowedHosts);
        }

        @Override
        public String toString() {
            return "Settings[allowedHosts=" + allowedHosts + ", initialBackoff=" + initialBackoff + ", secretsKey="
                    + (secretsKey.isPresent() ? "***" : "-") + "]"; // never the key
        }
    }

    public static Webhooks create(WebhookStore store, Optional<Path> dataDirectory, Settings settings, Clock clock)
            throws IOException {
        SecretBox secrets = SecretBox.open(settings.secretsKey(), keyFile(dataDirectory, settings));
        UrlGuard guard = new UrlGuard(settings.allowedHosts());
        WebhookDispatcher.RetryPolicy defaults = WebhookDispatcher.RetryPolicy.defaults();
        WebhookDispatcher dispatcher = new WebhookDispatcher(store, secrets, guard, clock,
                new WebhookDispatcher.RetryPolicy(defaults.maxAttempts(), settings.initialBackoff(),
                        defaults.maxBackoff(), defaults.timeout()));
        return new Webhooks(dispatcher, new WebhookService(store, secrets, guard, dispatcher, clock));
    }

    /** The key file: as configured, else next to an SQLite database, else in the user's home. */
    private static Path keyFile(Optional<Path> dataDirectory, Settings key) {
        return key.secretsKeyFile().orElseGet(() -> dataDirectory.map(d -> d.resolve("osprey-secrets.key"))
                .orElseGet(() -> key.home().resolve(".osprey").resolve("secrets.key")));
    }

    @Override
    public void close() {
        dispatcher.close();
    }
}
