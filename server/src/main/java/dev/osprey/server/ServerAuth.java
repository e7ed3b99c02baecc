package dev.osprey.server;

import dev.osprey.core.OspreyException;
import dev.osprey.server.api.ApiRouter;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.auth.OidcVerifier;
import dev.osprey.server.auth.Permission;
import dev.osprey.server.security.HostRules;
import dev.osprey.server.security.SecurityFilter;
import dev.osprey.store.AuthStore;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who may call this server: basic auth and OIDC when configured, and the security middleware. */
final class ServerAuth {
    private static final Logger LOG = LoggerFactory.getLogger(ServerAuth.class);

    private ServerAuth() {}

    /** Basic auth when configured: refuses to start without the admin's credentials (there is no default). */
    static Optional<AuthService> start(ServerConfig config, AuthStore store, Clock clock) {
        ServerConfig.AuthOptions options = config.auth();
        if (!options.enabled()) {
            return Optional.empty();
        }
        if (options.adminUsername().isEmpty() || options.adminPassword().isEmpty()) {
            throw OspreyException.invalid("Authentication is on (--app-name basic-auth) but no admin credentials are "
                    + "set: set OSPREY_ADMIN_USERNAME and OSPREY_ADMIN_PASSWORD (at least "
                    + options.passwords().minLength() + " characters, not a common one). Osprey has no default admin "
                    + "password.");
        }
        try {
            options.passwords().check(options.adminPassword().get());
        } catch (OspreyException e) {
            throw OspreyException.invalid("OSPREY_ADMIN_PASSWORD: " + e.getMessage());
        }
        AuthService auth = new AuthService(store, Permission.parse(options.defaultPermission()), clock::millis,
                options.oidc().map(OidcVerifier::new), options.passwords());
        options.oidc().ifPresent(o -> LOG.info("OIDC bearer tokens from {} (audience {}) accepted", o.issuer(),
                o.audience()));
        auth.bootstrapAdmin(options.adminUsername().get(), options.adminPassword().get());
        LOG.info("Basic auth on: admin '{}', default permission {}", options.adminUsername().get(),
                options.defaultPermission());
        return Optional.of(auth);
    }

    /** The security middleware, unless --disable-security-middleware. */
    static Optional<SecurityFilter> securityFilter(ServerConfig config) {
        ServerConfig.SecurityOptions options = config.security();
        if (!options.enabled()) {
            LOG.warn("Security middleware off (--disable-security-middleware): any Host and any origin is answered.");
            return Optional.empty();
        }
        return Optional.of(new SecurityFilter(new HostRules(options.allowedHosts(), options.corsAllowedOrigins()),
                Optional.of(options.xFrameOptions()).filter(v -> !v.equals("NONE")), config.staticPrefix(),
                ApiRouter.MAX_JSON_BODY));
    }
}
