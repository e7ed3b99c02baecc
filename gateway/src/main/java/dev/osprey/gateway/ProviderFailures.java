package dev.osprey.gateway;

import dev.osprey.core.net.BlockedAddressException;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.gateway.provider.ProviderAdapter;
import dev.osprey.gateway.provider.ProviderException;
import dev.osprey.gateway.provider.Target;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * What went wrong at a provider, as the caller may see it: which failures are worth another attempt, the provider's
 * own error message, and never a secret the provider echoed back.
 */
final class ProviderFailures {
    private ProviderFailures() {}

    /** A failure to get an answer at all: blocked address, timeout, refused connection, anything else. */
    static ProviderException of(Target target, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BlockedAddressException blocked) {
                return new ProviderException(502, blocked.getMessage(), false);
            }
        }
        if (e instanceof HttpTimeoutException || e instanceof SocketTimeoutException
                || e.getCause() instanceof SocketTimeoutException) {
            return new ProviderException(504, "Provider " + target.provider() + " did not answer in time.", true);
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return new ProviderException(502, "Provider " + target.provider() + " refused the connection.", true);
        }
        return new ProviderException(502, "Calling provider " + target.provider() + " failed: "
                + e.getClass().getSimpleName() + ".", true);
    }

    /** A non-2xx answer, with the provider's message read from its error body. */
    static ProviderException answered(ProviderAdapter adapter, Target target, int status, byte[] body) {
        if (status >= 300 && status < 400) {
            // Redirects are never followed (one could lead into the server's network); the client gets a bad
            // gateway, not a 3xx without the Location it would need.
            return new ProviderException(502, "Provider " + target.provider() + " answered with a redirect ("
                    + status + "), which the gateway does not follow; check the provider's base URL.", false);
        }
        String raw = new String(body, StandardCharsets.UTF_8);
        String message;
        try {
            message = adapter.errorMessage(Json.read(raw), raw);
        } catch (IOException e) {
            message = raw.length() > 500 ? raw.substring(0, 500) : raw;
        }
        return new ProviderException(status, "Provider " + target.provider() + " answered " + status + ": "
                + message, ProviderException.retryableStatus(status));
    }

    /** The failure with any of the target's secret values masked (providers echo bad keys back). */
    static ProviderException scrubbed(ProviderException e, Target target) {
        String message = e.getMessage();
        for (String secret : target.credentials().values()) {
            if (secret.length() >= 4 && message.contains(secret)) {
                message = message.replace(secret, GatewaySecret.mask(secret));
            }
        }
        return message.equals(e.getMessage()) ? e : new ProviderException(e.status(), message, e.retryable());
    }
}
