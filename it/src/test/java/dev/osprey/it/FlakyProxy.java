package dev.osprey.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forwarding HTTP proxy in front of the server that fails on purpose: the first PUT of every multipart part gets a
 * 503, and the first full download of a large file is cut off halfway. It sets X-Forwarded-Host so the server hands
 * out part URLs that lead back through it. Counts what it saw, so tests can check that retries happened.
 */
final class FlakyProxy implements AutoCloseable {
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "transfer-encoding",
            "keep-alive", "upgrade", "expect", "date");
    private final HttpServer server;
    private final String target;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    final AtomicInteger multipartCreates = new AtomicInteger();
    final AtomicInteger injectedPartFailures = new AtomicInteger();
    final AtomicInteger cutDownloads = new AtomicInteger();
    final AtomicInteger rangeRequests = new AtomicInteger();

    FlakyProxy(String target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (path.contains("/mpu/create")) {
                multipartCreates.incrementAndGet();
            }
            if (method.equals("PUT") && path.contains("/mpu/parts/") && failedOnce.add(path)) {
                injectedPartFailures.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + path
                    + (query == null ? "" : "?" + query)))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("X-Forwarded-Host", "127.0.0.1:" + server.getAddress().getPort());
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> forward.header(name, v));
                }
            });
            if (exchange.getRequestHeaders().containsKey("Range")) {
                rangeRequests.incrementAndGet();
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(forward.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            response.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            long length = response.headers().firstValueAsLong("Content-Length").orElse(0);
            boolean cut = method.equals("GET") && path.contains("/mlflow-artifacts/artifacts/") && length > 1_000_000
                    && !exchange.getRequestHeaders().containsKey("Range") && failedOnce.add("GET " + path);
            exchange.sendResponseHeaders(response.statusCode(), length == 0 ? -1 : length);
            try (InputStream in = response.body(); OutputStream out = exchange.getResponseBody()) {
                if (cut) {
                    cutDownloads.incrementAndGet();
                    out.write(in.readNBytes((int) (length / 2)));
                    out.flush();
                    // Ending the exchange short of Content-Length makes the server drop the connection mid-body.
                    throw new IOException("cut on purpose");
                }
                in.transferTo(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
