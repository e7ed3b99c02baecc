package dev.osprey.server;

import dev.osprey.artifacts.ArtifactRepositories;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the server is started with, resolved once from CLI flags, environment and defaults (see
 * docs/configuration.md). Flag names follow {@code mlflow server}.
 *
 * @param defaultArtifactRoot root of new experiments' artifact locations; empty means {@code mlflow-artifacts:/}
 *     when artifacts are served, else the artifacts destination
 * @param truncateLongValues cut over-long param and tag values (MLflow's default) instead of rejecting them
 * @param artifactsDestination where proxied artifacts live: a local path or a URI ({@code file:}, {@code s3://})
 * @param artifactsOnly serve only the artifact proxy; tracking routes answer 503 (MLflow's --artifacts-only)
 * @param gateway AI gateway settings
 * @param onlineScoring how the online scoring worker polls and how much it runs at once
 * @param workspaces workspaces on ({@code --enable-workspaces}; spec/genai.md §8)
 * @param otlpGrpcPort where OTLP over gRPC is served ({@code --otlp-grpc-port}); off when empty
 */
public record ServerConfig(
        String host,
        int port,
        String backendStoreUri,
        Optional<String> defaultArtifactRoot,
        String artifactsDestination,
        boolean serveArtifacts,
        String staticPrefix,
        boolean truncateLongValues,
        boolean artifactsOnly,
        GatewayOptions gateway,
        dev.osprey.server.eval.OnlineScoring.Settings onlineScoring,
        AuthOptions auth,
        SecurityOptions security,
        boolean workspaces,
        java.util.OptionalInt otlpGrpcPort,
        dev.osprey.server.http.HttpTimeouts httpTimeouts,
        ServerSettings settings) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 5000;
    public static final String DEFAULT_BACKEND = "sqlite:///./osprey-data/osprey.db";
    public static final String DEFAULT_ARTIFACTS = "./osprey-data/artifacts";

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        Objects.requireNonNull(backendStoreUri, "backendStoreUri");
        Objects.requireNonNull(defaultArtifactRoot, "defaultArtifactRoot");
        artifactsDestination = ArtifactRepositories.toUri(artifactsDestination).toString();
        staticPrefix = normalizePrefix(staticPrefix);
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(onlineScoring, "onlineScoring");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(otlpGrpcPort, "otlpGrpcPort");
        Objects.requireNonNull(httpTimeouts, "httpTimeouts");
        Objects.requireNonNull(settings, "settings");
        if (otlpGrpcPort.isPresent() && (otlpGrpcPort.getAsInt() < 0 || otlpGrpcPort.getAsInt() > 65535)) {
            throw new IllegalArgumentException("--otlp-grpc-port must be 0..65535, got " + otlpGrpcPort.getAsInt());
        }
    }

    /** Auth off, online scoring as the environment says. */
    public ServerConfig(String host, int port, String backendStoreUri, Optional<String> defaultArtifactRoot,
            String artifactsDestination, boolean serveArtifacts, String staticPrefix, boolean truncateLongValues,
            boolean artifactsOnly, GatewayOptions gateway, dev.osprey.server.eval.OnlineScoring.Settings onlineScoring) {
        this(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination, serveArtifacts, staticPrefix,
                truncateLongValues, artifactsOnly, gateway, onlineScoring, AuthOptions.OFF,
                SecurityOptions.DEFAULTS, false, java.util.OptionalInt.empty(),
                dev.osprey.server.http.HttpTimeouts.DEFAULTS, ServerSettings.fromProcess());
    }

    public ServerConfig withAuth(AuthOptions options) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, options,
                security, workspaces, otlpGrpcPort, httpTimeouts, settings);
    }

    /**
     * Basic auth ({@code --app-name basic-auth}). There is no default admin password: with auth on, the admin's
     * credentials must be given ({@code OSPREY_ADMIN_USERNAME} / {@code OSPREY_ADMIN_PASSWORD}) or the server refuses
     * to start.
     *
     * @param defaultPermission what users have on resources nobody granted them anything on (MLflow: READ)
     */
    public record AuthOptions(boolean enabled, String defaultPermission, Optional<String> adminUsername,
            Optional<String> adminPassword, Optional<dev.osprey.server.auth.OidcVerifier.Settings> oidc,
            dev.osprey.server.auth.PasswordPolicy passwords) {
        public static final AuthOptions OFF = new AuthOptions(false, "READ", Optional.empty(), Optional.empty());

        public AuthOptions {
            Objects.requireNonNull(defaultPermission, "defaultPermission");
            Objects.requireNonNull(adminUsername, "adminUsername");
            Objects.requireNonNull(adminPassword, "adminPassword");
            Objects.requireNonNull(oidc, "oidc");
            Objects.requireNonNull(passwords, "passwords");
        }

        /** Without OIDC, with the default password policy. */
        public AuthOptions(boolean enabled, String defaultPermission, Optional<String> adminUsername,
                Optional<String> adminPassword) {
            this(enabled, defaultPermission, adminUsername, adminPassword, Optional.empty(),
                    dev.osprey.server.auth.PasswordPolicy.DEFAULT);
        }

        /**
         * Basic auth on, with {@code OSPREY_ADMIN_USERNAME}, {@code _PASSWORD}, {@code OSPREY_AUTH_DEFAULT_PERMISSION},
         * {@code OSPREY_AUTH_MIN_PASSWORD_LENGTH}, and OIDC bearer tokens when {@code OSPREY_OIDC_ISSUER} is set.
         */
        public static AuthOptions basicAuth(java.util.Map<String, String> env) {
            return new AuthOptions(true, env.getOrDefault("OSPREY_AUTH_DEFAULT_PERMISSION", "READ").trim(),
                    Optional.ofNullable(env.get("OSPREY_ADMIN_USERNAME")).filter(v -> !v.isBlank()),
                    Optional.ofNullable(env.get("OSPREY_ADMIN_PASSWORD")).filter(v -> !v.isEmpty()),
                    dev.osprey.server.auth.OidcVerifier.fromEnvironment(env),
                    dev.osprey.server.auth.PasswordPolicy.fromEnvironment(env));
        }

        public AuthOptions withOidc(dev.osprey.server.auth.OidcVerifier.Settings settings) {
            return new AuthOptions(enabled, defaultPermission, adminUsername, adminPassword, Optional.of(settings),
                    passwords);
        }

        @Override
        public String toString() {
            return "AuthOptions[enabled=" + enabled + ", defaultPermission=" + defaultPermission + ", adminUsername="
                    + adminUsername.orElse("-") + ", oidc=" + oidc.map(o -> o.issuer()).orElse("-")
                    + "]"; // never the password
        }
    }

    public ServerConfig withSecurity(SecurityOptions options) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, auth, options,
                workspaces, otlpGrpcPort, httpTimeouts, settings);
    }

    /** OTLP over gRPC on this port ({@code --otlp-grpc-port}), or off. */
    public ServerConfig withOtlpGrpcPort(java.util.OptionalInt port) {
        return new ServerConfig(host, this.port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, auth, security,
                workspaces, port, httpTimeouts, settings);
    }

    /** The settings from environment variables and system properties ({@link ServerSettings}). */
    public ServerConfig withSettings(ServerSettings resolved) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, auth, security,
                workspaces, otlpGrpcPort, httpTimeouts, resolved);
    }

    /** How long connections may take over a request's head, between requests and over bodies. */
    public ServerConfig withHttpTimeouts(dev.osprey.server.http.HttpTimeouts timeouts) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, auth, security,
                workspaces, otlpGrpcPort, timeouts, settings);
    }

    /** Workspaces on or off ({@code --enable-workspaces}, {@code MLFLOW_ENABLE_WORKSPACES}). */
    public ServerConfig withWorkspaces(boolean on) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, auth, security,
                on, otlpGrpcPort, httpTimeouts, settings);
    }

    /**
     * The HTTP security middleware ({@code mlflow server}'s flags of the same names, MLflow 3.5+).
     *
     * @param enabled false with {@code --disable-security-middleware}
     * @param allowedHosts Host header patterns ({@code *} wildcards); empty means loopback names and private or
     *     loopback IP literals, any port
     * @param corsAllowedOrigins origins (patterns) allowed to call from a browser besides the server's own origin and
     *     localhost ones; {@code *} allows every origin
     * @param xFrameOptions SAMEORIGIN (default), DENY, or NONE to send no header (embedding the UI elsewhere)
     */
    public record SecurityOptions(boolean enabled, java.util.List<String> allowedHosts,
            java.util.List<String> corsAllowedOrigins, String xFrameOptions) {
        public static final SecurityOptions DEFAULTS = new SecurityOptions(true, java.util.List.of(),
                java.util.List.of(), "SAMEORIGIN");

        public SecurityOptions {
            allowedHosts = java.util.List.copyOf(allowedHosts);
            corsAllowedOrigins = java.util.List.copyOf(corsAllowedOrigins);
            xFrameOptions = xFrameOptions.trim().toUpperCase(java.util.Locale.ROOT);
            if (!java.util.Set.of("SAMEORIGIN", "DENY", "NONE").contains(xFrameOptions)) {
                throw new IllegalArgumentException("--x-frame-options takes SAMEORIGIN, DENY or NONE; got '"
                        + xFrameOptions + "'.");
            }
        }

        /** Splits a comma-separated flag value into its non-blank items. */
        public static java.util.List<String> list(String commaSeparated) {
            return commaSeparated == null ? java.util.List.of() : java.util.Arrays.stream(commaSeparated.split(","))
                    .map(String::trim).filter(v -> !v.isEmpty()).toList();
        }
    }

    /** A configuration with the online scoring settings the environment gives. */
    public ServerConfig(String host, int port, String backendStoreUri, Optional<String> defaultArtifactRoot,
            String artifactsDestination, boolean serveArtifacts, String staticPrefix, boolean truncateLongValues,
            boolean artifactsOnly, GatewayOptions gateway) {
        this(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination, serveArtifacts, staticPrefix,
                truncateLongValues, artifactsOnly, gateway,
                dev.osprey.server.eval.OnlineScoring.Settings.fromEnvironment(System.getenv()));
    }

    public ServerConfig withOnlineScoring(dev.osprey.server.eval.OnlineScoring.Settings scoring) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, gateway, scoring, auth, security,
                workspaces, otlpGrpcPort, httpTimeouts, settings);
    }

    /** A configuration with the gateway settings the environment gives. */
    public ServerConfig(String host, int port, String backendStoreUri, Optional<String> defaultArtifactRoot,
            String artifactsDestination, boolean serveArtifacts, String staticPrefix, boolean truncateLongValues,
            boolean artifactsOnly) {
        this(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination, serveArtifacts, staticPrefix,
                truncateLongValues, artifactsOnly, GatewayOptions.fromEnvironment(System.getenv()));
    }

    /**
     * The AI gateway's settings.
     *
     * @param configFile a YAML file of endpoints applied at start-up
     * @param allowPrivateTargets let provider base URLs point at loopback and private addresses (tests, a local
     *     Ollama); off by default so an endpoint cannot be used to reach into the server's network
     */
    public record GatewayOptions(boolean allowPrivateTargets,
            Optional<dev.osprey.gateway.crypto.KeyEncryptionKey> keyEncryptionKey, Optional<Path> configFile) {
        public GatewayOptions {
            Objects.requireNonNull(keyEncryptionKey, "keyEncryptionKey");
            Objects.requireNonNull(configFile, "configFile");
        }

        public GatewayOptions(boolean allowPrivateTargets,
                Optional<dev.osprey.gateway.crypto.KeyEncryptionKey> keyEncryptionKey) {
            this(allowPrivateTargets, keyEncryptionKey, Optional.empty());
        }

        /** {@code OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS}, {@code OSPREY_GATEWAY_KEK} or {@code _KEK_FILE}. */
        public static GatewayOptions fromEnvironment(java.util.Map<String, String> env) {
            return new GatewayOptions("true".equalsIgnoreCase(env.getOrDefault(
                    "OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS", "false").trim()),
                    dev.osprey.gateway.crypto.KeyEncryptionKey.fromEnvironment(env),
                    Optional.ofNullable(env.get("OSPREY_GATEWAY_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
        }
    }

    public ServerConfig withGateway(GatewayOptions options) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination,
                serveArtifacts, staticPrefix, truncateLongValues, artifactsOnly, options, onlineScoring, auth, security,
                workspaces, otlpGrpcPort, httpTimeouts, settings);
    }

    /** A configuration serving tracking and artifacts (not artifacts-only). */
    public ServerConfig(String host, int port, String backendStoreUri, Optional<String> defaultArtifactRoot,
            Path artifactsDestination, boolean serveArtifacts, String staticPrefix, boolean truncateLongValues) {
        this(host, port, backendStoreUri, defaultArtifactRoot, artifactsDestination.toString(), serveArtifacts,
                staticPrefix, truncateLongValues, false);
    }

    public static ServerConfig defaults() {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_BACKEND, Optional.empty(),
                Path.of(DEFAULT_ARTIFACTS), true, "", true);
    }

    /** The same configuration with another artifacts destination (a path or a URI). */
    public ServerConfig withArtifactsDestination(String destination) {
        return new ServerConfig(host, port, backendStoreUri, defaultArtifactRoot, destination, serveArtifacts,
                staticPrefix, truncateLongValues, artifactsOnly, gateway, onlineScoring, auth, security, workspaces,
                otlpGrpcPort, httpTimeouts, settings);
    }

    /** The root new experiments' artifact locations are made under. */
    public String effectiveArtifactRoot() {
        return defaultArtifactRoot.orElseGet(() -> serveArtifacts ? "mlflow-artifacts:/" : artifactsDestination);
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isBlank() || prefix.equals("/")) {
            return "";
        }
        String p = prefix.startsWith("/") ? prefix : "/" + prefix;
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
