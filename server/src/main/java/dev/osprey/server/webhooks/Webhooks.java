package dev.osprey.server.webhooks;

import dev.osprey.core.net.UrlGuard;

import dev.osprey.server.secrets.SecretBox;
import dev.osprey.storesql.BackendUri;
import dev.osprey.store.TrackingStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Assembles the webhook parts from the environment: the secrets key ({@code OSPREY_SECRETS_KEY}, else the file
 * {@code OSPREY_SECRETS_KEY_FILE}, else {@code osprey-secrets.key} beside a SQLite database or
 * {@code ~/.osprey/secrets.key}), the hosts allowed despite the SSRF guard ({@code OSPREY_WEBHOOK_ALLOWED_HOSTS} or
 * {@code -Dosprey.webhook.allowedHosts}, comma-separated {@code host} or {@code host:port}) and the first retry
 * delay ({@code -Dosprey.webhook.initialBackoffMillis}).
 */
public record Webhooks(WebhookDispatcher dispatcher, WebhookService service) implements AutoCloseable {

    public static Webhooks create(TrackingStore store, String backendUri, Clock clock) throws IOException {
        SecretBox secrets = SecretBox.open(env("OSPREY_SECRETS_KEY"), keyFile(backendUri));
        String hosts = env("OSPREY_WEBHOOK_ALLOWED_HOSTS").orElse(System.getProperty("osprey.webhook.allowedHosts",
                ""));
        UrlGuard guard = new UrlGuard(Arrays.asList(hosts.split(",")));
        WebhookDispatcher.RetryPolicy defaults = WebhookDispatcher.RetryPolicy.defaults();
        long backoff = Long.getLong("osprey.webhook.initialBackoffMillis", defaults.initialBackoff().toMillis());
        WebhookDispatcher dispatcher = new WebhookDispatcher(store.webhooks(), secrets, guard, clock,
                new WebhookDispatcher.RetryPolicy(defaults.maxAttempts(), Duration.ofMillis(backoff),
                        defaults.maxBackoff(), defaults.timeout()));
        return new Webhooks(dispatcher, new WebhookService(store.webhooks(), secrets, guard, dispatcher, clock));
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }

    private static Path keyFile(String backendUri) {
        return env("OSPREY_SECRETS_KEY_FILE").map(Path::of).orElseGet(() -> {
            Optional<Path> sqlite = Optional.empty();
            try {
                sqlite = BackendUri.parse(backendUri).sqliteFile();
            } catch (RuntimeException ignored) {
                // not a SQL URI this module parses: fall back to the home directory
            }
            return sqlite.map(f -> f.toAbsolutePath().getParent().resolve("osprey-secrets.key"))
                    .orElseGet(() -> Path.of(System.getProperty("user.home"), ".osprey", "secrets.key"));
        });
    }

    @Override
    public void close() {
        dispatcher.close();
    }
}
