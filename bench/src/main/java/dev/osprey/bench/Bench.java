package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import dev.osprey.storesql.BackendUri;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Optional;

/** Shared pieces of the load generators: server start, raw JDBC, HTTP calls, latency summaries. */
final class Bench {
    private Bench() {}

    /** sqlite (default, fresh temp file), postgresql or mysql (URLs from OSPREY_TEST_*_URL, or given). */
    /** The backends named by the first argument (comma-separated), all three by default. */
    static java.util.List<String> backends(String[] args) {
        return args.length > 0 ? java.util.List.of(args[0].split(",")) : java.util.List.of("sqlite", "postgresql",
                "mysql");
    }

    /** The results as a Markdown table for docs/benchmarks.md: header, separator, rows. */
    static void printTable(java.util.List<String> rows, String... columns) {
        System.out.println();
        System.out.println("| " + String.join(" | ", columns) + " |");
        System.out.println("|---".repeat(columns.length) + "|");
        rows.forEach(System.out::println);
    }

    static String backend(String name) throws IOException {
        return switch (name) {
            case "sqlite" -> "sqlite:///" + Files.createTempDirectory("osprey-bench") + "/osprey.db";
            case "postgresql" -> env("OSPREY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/osprey_test");
            case "mysql" -> env("OSPREY_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/osprey_test");
            default -> name;
        };
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static OspreyServer server(String backendUri) throws IOException {
        Path artifacts = Files.createTempDirectory("osprey-bench-artifacts");
        return OspreyServer.start(new ServerConfig("127.0.0.1", 0, backendUri, Optional.empty(), artifacts, true, "",
                true));
    }

    /** A server on a fresh SQLite database with the gateway on (a new key) and loopback providers allowed. */
    static OspreyServer serverWithGateway(String name) throws IOException {
        Path dir = Files.createTempDirectory("osprey-bench-" + name);
        byte[] kek = new byte[32];
        new java.security.SecureRandom().nextBytes(kek);
        return OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db", Optional.empty(),
                dir.resolve("artifacts").toString(), true, "", true, false).withGateway(new ServerConfig
                .GatewayOptions(true, Optional.of(dev.osprey.gateway.crypto.KeyEncryptionKey.parse(
                        java.util.Base64.getEncoder().encodeToString(kek), "bench")))));
    }

    /** A plain connection; on SQLite with the durability setting the store uses, so the comparison is fair. */
    static Connection jdbc(String backendUri) throws SQLException {
        BackendUri b = BackendUri.parse(backendUri);
        Connection c = DriverManager.getConnection(b.jdbcUrl(), b.user(), b.password());
        if (b.sqliteFile().isPresent()) {
            try (var s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
            }
        }
        // The server's PostgreSQL connections plan every execution (plan_cache_mode = force_custom_plan, for searches
        // whose selectivity depends on the values); OSPREY_BENCH_PG_CUSTOM_PLANS gives a reference connection the
        // same setting, to measure what that choice costs.
        if (b.jdbcUrl().startsWith("jdbc:postgresql") && System.getenv("OSPREY_BENCH_PG_CUSTOM_PLANS") != null) {
            try (var s = c.createStatement()) {
                s.execute("SET plan_cache_mode = force_custom_plan");
            }
        }
        return c;
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static String post(String url, String body) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }

    /** POST with an Authorization header value (empty: none). */
    static String post(String url, String body, String authorization) {
        return post(url, body, authorization, "");
    }

    /** POST with an Authorization header value and an X-MLFLOW-WORKSPACE (each empty: none). */
    static String post(String url, String body, String authorization, String workspace) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (!authorization.isEmpty()) {
            b.header("Authorization", authorization);
        }
        if (!workspace.isEmpty()) {
            b.header("X-MLFLOW-WORKSPACE", workspace);
        }
        return send(b.build());
    }

    static String get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    /** GET reading the whole body as bytes without decoding it, as a client streaming into a parser would. */
    static int getBytes(String url) {
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode());
            }
            return r.body().length;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The answer's body; anything but a 2xx fails the benchmark. */
    private static String send(HttpRequest request) {
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Latencies in nanoseconds, summarised. */
    /** One call of a side of an A/B comparison. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** Latencies of the two sides of an A/B comparison, measured in the same iterations. */
    record Paired(Latencies ours, Latencies reference) {}

    /**
     * Runs both sides alternately for {@code OSPREY_BENCH_WARMUP_SECONDS} (default 15, so the JIT has compiled the
     * server's path), then measures {@code iterations} calls of each, interleaved so that both meet the same machine.
     */
    static Paired paired(Call ours, Call reference, int iterations) throws Exception {
        List<Latencies> both = interleaved(List.of(ours, reference), iterations);
        return new Paired(both.get(0), both.get(1));
    }

    /** As {@link #paired}, for any number of sides: their latencies in the order given. */
    static List<Latencies> interleaved(List<Call> sides, int iterations) throws Exception {
        long warmUntil = System.nanoTime() + (long) (1e9 * Double.parseDouble(System.getenv()
                .getOrDefault("OSPREY_BENCH_WARMUP_SECONDS", "15")));
        while (System.nanoTime() < warmUntil) {
            for (Call side : sides) {
                side.run();
            }
        }
        long[][] nanos = new long[sides.size()][iterations];
        for (int i = 0; i < iterations; i++) {
            for (int s = 0; s < sides.size(); s++) {
                long t0 = System.nanoTime();
                sides.get(s).run();
                nanos[s][i] = System.nanoTime() - t0;
            }
        }
        List<Latencies> out = new java.util.ArrayList<>();
        for (long[] n : nanos) {
            out.add(new Latencies(n));
        }
        return out;
    }

    record Latencies(long[] nanos) {
        double p(double q) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
            return sorted[i] / 1e6;
        }

        String summary() {
            return String.format("p50 %.2f ms, p99 %.2f ms (n=%d)", p(0.5), p(0.99), nanos.length);
        }
    }

    static String redact(String uri) {
        return uri.replaceAll("(://[^:/@]+:)[^@]*@", "$1***@");
    }
}
