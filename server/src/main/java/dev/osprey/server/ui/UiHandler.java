package dev.osprey.server.ui;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the web UI bundled in the jar under {@code /web}: hashed assets with a year-long cache, and
 * {@code index.html} for every other GET under the static prefix so deep links work (SPA fallback). The index is
 * rewritten once with the prefix so asset URLs and the app's API calls follow {@code --static-prefix}. Paths that
 * belong to the API, artifacts, OTLP, the gateway or health are passed on untouched.
 */
public final class UiHandler implements Handler {
    /** First path segments the UI never claims, even without a static prefix. */
    private static final List<String> RESERVED = List.of("api", "ajax-api", "v1", "gateway", "health", "version",
            "metrics", "get-artifact", "model-versions", "static-files", "auth");
    /** The index carries the prefix for the app; it must never be cached across a prefix change. */
    private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
            + "'unsafe-inline'; script-src 'self'; connect-src 'self'; base-uri 'self'; object-src 'none'";

    private final String root;
    private final String prefix;
    private final String csp;
    private final ClassLoader loader;
    private final ConcurrentHashMap<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();
    private volatile byte[] index;

    /**
     * @param root classpath folder holding index.html and assets/ ("web" in the jar)
     * @param prefix the normalised static prefix ("" or "/something")
     * @param frameOptions the server's X-Frame-Options (SAMEORIGIN, DENY, NONE): the CSP's frame-ancestors agree
     */
    public UiHandler(String root, String prefix, String frameOptions) {
        this.root = root;
        this.prefix = prefix;
        this.csp = CSP + switch (frameOptions) {
            case "DENY" -> "; frame-ancestors 'none'";
            case "SAMEORIGIN" -> "; frame-ancestors 'self'";
            default -> "";
        };
        this.loader = UiHandler.class.getClassLoader();
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        if (!path.startsWith(prefix + "/") && !path.equals(prefix)) {
            res.next();
            return;
        }
        String rest = path.substring(prefix.length());
        String first = rest.replaceFirst("^/", "").split("/", 2)[0];
        if (RESERVED.contains(first)) {
            res.next();
            return;
        }
        if (rest.isEmpty()) {
            res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, prefix + "/").send();
            return;
        }
        securityHeaders(res);
        if (rest.startsWith("/assets/")) {
            Optional<byte[]> asset = rest.contains("..") ? Optional.empty() : resource(rest.substring(1));
            if (asset.isEmpty()) {
                res.status(Status.NOT_FOUND_404).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .send("No such UI asset: " + rest);
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, contentType(rest));
            // Vite puts a content hash in every asset name, so an asset never changes under its name.
            res.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
            res.send(asset.get());
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(index());
    }

    private void securityHeaders(ServerResponse res) {
        res.header("X-Content-Type-Options", "nosniff"); // also without the security middleware
        res.header("Referrer-Policy", "same-origin");
        res.header("Content-Security-Policy", csp);
    }

    private byte[] index() {
        byte[] cached = index;
        if (cached == null) {
            cached = rewrittenIndex();
            index = cached;
        }
        return cached;
    }

    private byte[] rewrittenIndex() {
        return resource("index.html").map(bytes -> {
            String html = new String(bytes, StandardCharsets.UTF_8);
            // Built with base "/": point asset URLs under the prefix and tell the app where its API lives.
            html = html.replace("=\"/assets/", "=\"" + prefix + "/assets/")
                    .replace("<head>", "<head><meta name=\"osprey-prefix\" content=\"" + prefix + "\">");
            return html.getBytes(StandardCharsets.UTF_8);
        }).orElseGet(UiHandler::notBuilt);
    }

    private static byte[] notBuilt() {
        return ("<!doctype html><meta charset=utf-8><title>Osprey</title><h1>Osprey</h1><p>This jar was built "
                + "without the web UI (<code>-Dskip.ui</code>, or no npm on the build machine). The API is served "
                + "as usual. Build with Node.js 20+ and npm on the PATH: <code>./mvnw package -pl cli -am</code>.")
                .getBytes(StandardCharsets.UTF_8);
    }

    private Optional<byte[]> resource(String name) {
        return cache.computeIfAbsent(name, n -> {
            try (InputStream in = loader.getResourceAsStream(root + "/" + n)) {
                return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Types for the app's own files. Not artifacts' ContentTypes: that one serves scripts and markup as text/plain on
     * purpose (user uploads must never run in the page), while the UI's scripts and styles must be what they are.
     */
    static String contentType(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".js") || lower.endsWith(".mjs")) {
            return "text/javascript; charset=utf-8";
        } else if (lower.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (lower.endsWith(".svg")) {
            return "image/svg+xml";
        } else if (lower.endsWith(".png")) {
            return "image/png";
        } else if (lower.endsWith(".woff2")) {
            return "font/woff2";
        } else if (lower.endsWith(".json")) {
            return "application/json";
        }
        return "application/octet-stream";
    }
}
