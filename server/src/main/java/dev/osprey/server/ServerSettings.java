package dev.osprey.server;

import dev.osprey.server.eval.ServerJudgeModels;
import dev.osprey.server.webhooks.Webhooks;
import dev.osprey.store.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The settings that come from environment variables and system properties rather than flags, resolved and checked
 * once at start-up (errors say what to set); the server's parts get these values and never read the environment
 * themselves. MLflow's variable names where MLflow has one; {@code docs/configuration.md} lists them all.
 *
 * @param modelPrices {@code OSPREY_MODEL_PRICES}: a price table replacing the bundled one
 * @param judges what {@code openai:/} judges call and the model of judges registered without one
 * @param oidcClientSecret {@code OSPREY_OIDC_CLIENT_SECRET}: for the OIDC browser login's code exchange
 * @param gatewayAllowedHosts {@code OSPREY_GATEWAY_ALLOWED_HOSTS}: provider hosts allowed despite the SSRF guard
 * @param gatewayHttpClient {@code OSPREY_GATEWAY_HTTP_CLIENT}: {@code helidon} (default) or {@code jdk}
 * @param modelVersionSourceRule {@code MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX}
 * @param webhooks the webhooks' allowed hosts, first retry delay and the key sealing their secrets
 * @param store {@code -Dosprey.db.pool.size}, {@code -Dosprey.db.connection-timeout-ms}
 * @param environment the process environment, for plugins that take their own variables (artifact stores: S3's
 *     {@code MLFLOW_S3_ENDPOINT_URL}, {@code AWS_REGION}, ...) and the {@code ${VAR}}s of {@code --gateway-config}
 */
public record ServerSettings(Optional<Path> modelPrices, ServerJudgeModels.Settings judges,
        Optional<String> oidcClientSecret, List<String> gatewayAllowedHosts, String gatewayHttpClient,
        Optional<Pattern> modelVersionSourceRule, Webhooks.Settings webhooks, StoreSettings store,
        Map<String, String> environment) {

    public ServerSettings {
        Objects.requireNonNull(modelPrices, "modelPrices");
        Objects.requireNonNull(judges, "judges");
        Objects.requireNonNull(oidcClientSecret, "oidcClientSecret");
        gatewayAllowedHosts = List.copyOf(gatewayAllowedHosts);
        if (!gatewayHttpClient.equals("helidon") && !gatewayHttpClient.equals("jdk")) {
            throw new IllegalArgumentException("OSPREY_GATEWAY_HTTP_CLIENT takes helidon or jdk, got '"
                    + gatewayHttpClient + "'.");
        }
        Objects.requireNonNull(modelVersionSourceRule, "modelVersionSourceRule");
        Objects.requireNonNull(webhooks, "webhooks");
        Objects.requireNonNull(store, "store");
        environment = Map.copyOf(environment);
    }

    /** Never a secret: the OIDC client secret masked, the environment by variable names only. */
    @Override
    public String toString() {
        return "ServerSettings[modelPrices=" + modelPrices.map(Path::toString).orElse("-") + ", judges=" + judges
                + ", oidcClientSecret=" + (oidcClientSecret.isPresent() ? "***" : "-") + ", gatewayAllowedHosts="
                + gatewayAllowedHosts + ", gatewayHttpClient=" + gatewayHttpClient + ", modelVersionSourceRule="
                + modelVersionSourceRule.map(Pattern::pattern).orElse("-") + ", webhooks=" + webhooks + ", store="
                + store + ", environment=" + new java.util.TreeSet<>(environment.keySet()) + "]";
    }

    /** Resolved from the process: its environment variables and system properties. */
    public static ServerSettings fromProcess() {
        return from(System.getenv(), System.getProperties());
    }

    /** Resolved from these variables and properties; a malformed value is refused with what to set. */
    public static ServerSettings from(Map<String, String> env, Properties props) {
        return new ServerSettings(
                value(env, "OSPREY_MODEL_PRICES").map(Path::of),
                new ServerJudgeModels.Settings(value(env, "OSPREY_JUDGE_MODEL"), value(env, "OPENAI_API_KEY"),
                        value(env, "OPENAI_BASE_URL")),
                value(env, "OSPREY_OIDC_CLIENT_SECRET"),
                list(value(env, "OSPREY_GATEWAY_ALLOWED_HOSTS").orElse("")),
                value(env, "OSPREY_GATEWAY_HTTP_CLIENT").orElse("helidon").toLowerCase(java.util.Locale.ROOT),
                value(env, "MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX").map(ServerSettings::regex),
                new Webhooks.Settings(list(value(env, "OSPREY_WEBHOOK_ALLOWED_HOSTS")
                        .orElse(props.getProperty("osprey.webhook.allowedHosts", ""))),
                        Duration.ofMillis(number(props, "osprey.webhook.initialBackoffMillis", 1000)),
                        value(env, "OSPREY_SECRETS_KEY"), value(env, "OSPREY_SECRETS_KEY_FILE").map(Path::of),
                        Path.of(props.getProperty("user.home", "."))),
                new StoreSettings((int) number(props, "osprey.db.pool.size", StoreSettings.DEFAULTS.poolSize()),
                        Duration.ofMillis(number(props, "osprey.db.connection-timeout-ms",
                                StoreSettings.DEFAULTS.connectionTimeout().toMillis()))),
                env);
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    private static List<String> list(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    private static long number(Properties props, String name, long fallback) {
        String v = props.getProperty(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " takes a whole number, got '" + v + "'.");
        }
    }

    private static Pattern regex(String value) {
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX is not a valid "
                    + "regular expression: " + e.getDescription() + ".");
        }
    }
}
