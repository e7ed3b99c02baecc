package dev.osprey.bench;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * GW-1: what the gateway adds. A local mock upstream (instant, and 50 ms) is called directly, through Osprey's
 * gateway (the server jar in its own process) and through nginx as a plain reverse proxy, at 1, 8 and 64 keep-alive
 * connections: latency p50/p99, the latency each proxy adds over direct, and max requests per second; then the
 * time to the first streamed event of an SSE answer. All three paths run in the same run on the same machine.
 *
 * <p>Arguments: the server jar, then optionally seconds per point (default 5).
 */
public final class GatewayLoad {
    private static final byte[] REPLY = ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Hello from the mock upstream.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
            + "\"completion_tokens\":7,\"total_tokens\":19}}").getBytes(StandardCharsets.UTF_8);

    private GatewayLoad() {}

    public static void main(String[] args) throws Exception {
        String jar = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        // Optional third argument: only these paths (comma-separated), e.g. "osprey" while profiling.
        List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of("direct", "osprey", "nginx");
        Path dir = Files.createTempDirectory("osprey-gw1");
        WebServer upstream = WebServer.builder().host("127.0.0.1").port(0)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .routing(r -> r.post("/fast/v1/chat/completions", (req, res) -> answer(req, res, 0))
                        .post("/slow/v1/chat/completions", (req, res) -> answer(req, res, 50)))
                .build().start();
        int upstreamPort = upstream.port();
        int ospreyPort = freePort();
        int nginxPort = freePort();
        Process osprey = startOsprey(jar, dir, ospreyPort);
        Process nginx = startNginx(dir, nginxPort, upstreamPort);
        try {
            configure(ospreyPort, upstreamPort);
            List<Target> targets = List.of(
                    new Target("direct", upstreamPort, "/%s/v1/chat/completions", "gpt-bench"),
                    new Target("osprey", ospreyPort, "/gateway/mlflow/v1/chat/completions", "%s"),
                    new Target("nginx", nginxPort, "/%s/v1/chat/completions", "gpt-bench"));
            // OSPREY_BENCH_WARMUP_SECONDS of load on every path first: the servers are fresh JVMs, and without it the
            // first configuration (one connection) was measured while the JIT was still compiling.
            int warmup = Integer.parseInt(System.getenv().getOrDefault("OSPREY_BENCH_WARMUP_SECONDS", "0"));
            if (warmup > 0) {
                for (Target t : targets) {
                    if (only.contains(t.name())) {
                        run(t, "fast", 8, warmup);
                    }
                }
            }
            List<String> upstreams = List.of(System.getenv().getOrDefault("OSPREY_BENCH_UPSTREAMS", "fast,slow")
                    .split(","));
            List<Integer> connectionCounts = java.util.Arrays.stream(System.getenv()
                    .getOrDefault("OSPREY_BENCH_CONNECTIONS", "1,8,64").split(",")).map(Integer::parseInt).toList();
            List<String> rows = new ArrayList<>();
            for (String kind : upstreams) {
                for (int connections : connectionCounts) {
                    Result direct = null;
                    for (Target t : targets) {
                        if (!only.contains(t.name())) {
                            continue;
                        }
                        run(t, kind, connections, 1);
                        Result r = run(t, kind, connections, seconds);
                        if (t.name().equals("direct")) {
                            direct = r;
                        }
                        rows.add(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %.0f | %s | %s | %d |",
                                t.name(), kind.equals("fast") ? "instant" : "50 ms", connections, r.p50Ms(),
                                r.p99Ms(), r.perSecond(), t.name().equals("direct") ? "-"
                                        : String.format(Locale.ROOT, "%+.3f", r.p50Ms() - direct.p50Ms()),
                                t.name().equals("direct") ? "-"
                                        : String.format(Locale.ROOT, "%+.3f", r.p99Ms() - direct.p99Ms()),
                                r.errors()));
                        System.err.println(rows.get(rows.size() - 1));
                    }
                }
            }
            Bench.printTable(rows, "path", "upstream", "connections", "p50 ms", "p99 ms", "req/s", "added p50 ms",
                    "added p99 ms", "errors");
            List<String> ttfb = new ArrayList<>();
            for (Target t : targets) {
                if (!only.contains(t.name())) {
                    continue;
                }
                double[] first = streamTtfb(t, 300);
                ttfb.add(String.format(Locale.ROOT, "| %s | %.3f | %.3f |", t.name(), first[0], first[1]));
            }
            Bench.printTable(ttfb, "path", "stream first event p50 ms", "p99 ms");
        } finally {
            osprey.destroy();
            nginx.destroy();
            upstream.stop();
        }
    }

    private record Target(String name, int port, String pathPattern, String modelPattern) {
        String path(String kind) {
            return pathPattern.contains("%s") ? String.format(pathPattern, kind) : pathPattern;
        }

        byte[] body(String kind, boolean stream) {
            String model = modelPattern.contains("%s") ? String.format(modelPattern, kind) : modelPattern;
            return ("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello, this is a "
                    + "benchmark request.\"}],\"temperature\":0.2,\"max_tokens\":64"
                    + (stream ? ",\"stream\":true" : "") + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    private record Result(double p50Ms, double p99Ms, double perSecond, long errors) {}

    private static void answer(ServerRequest req, ServerResponse res, long delayMs) throws Exception {
        byte[] body = req.content().as(byte[].class);
        if (delayMs > 0) {
            Thread.sleep(delayMs);
        }
        if (new String(body, StandardCharsets.UTF_8).contains("\"stream\":true")) {
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
            try (OutputStream out = res.outputStream()) {
                for (String piece : List.of("Hel", "lo", " from", " the", " mock")) {
                    out.write(("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                            + "\"gpt-bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece
                            + "\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(REPLY);
    }

    private static Result run(Target t, String kind, int connections, int seconds) throws Exception {
        byte[] body = t.body(kind, false);
        String path = t.path(kind);
        ClosedLoop.Result r = ClosedLoop.run(connections, seconds, () -> {
            KeepAliveClient client = new KeepAliveClient("127.0.0.1", t.port());
            return new ClosedLoop.Caller() {
                @Override
                public boolean call() throws IOException {
                    return client.post(path, body) == 200;
                }

                @Override
                public void close() throws IOException {
                    client.close();
                }
            };
        });
        return new Result(r.p50Ms(), r.p99Ms(), r.perSecond(), r.errors());
    }

    private static double percentile(long[] sorted, double p) {
        return ClosedLoop.percentile(sorted, p);
    }

    /** p50 and p99 of the time from sending a streaming request to reading its first {@code data:} event. */
    private static double[] streamTtfb(Target t, int requests) throws IOException {
        byte[] body = t.body("fast", true);
        long[] firsts = new long[requests];
        for (int i = 0; i < requests; i++) {
            try (Socket socket = new Socket("127.0.0.1", t.port())) {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = new BufferedInputStream(socket.getInputStream());
                String head = "POST " + t.path("fast") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                        + "application/json\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n";
                long t0 = System.nanoTime();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                byte[] marker = "data:".getBytes(StandardCharsets.US_ASCII);
                byte[] done = "[DONE]".getBytes(StandardCharsets.US_ASCII);
                int matched = 0;
                int doneMatched = 0;
                long first = -1;
                // Read to the end of the stream, marked by [DONE]: servers may keep the connection open.
                for (int b = in.read(); b >= 0; b = in.read()) {
                    if (first < 0) {
                        matched = b == marker[matched] ? matched + 1 : (b == marker[0] ? 1 : 0);
                        if (matched == marker.length) {
                            first = System.nanoTime() - t0;
                        }
                    }
                    doneMatched = b == done[doneMatched] ? doneMatched + 1 : (b == done[0] ? 1 : 0);
                    if (doneMatched == done.length) {
                        break;
                    }
                }
                firsts[i] = first;
            }
        }
        Arrays.sort(firsts);
        return new double[] {percentile(firsts, 0.5), percentile(firsts, 0.99)};
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Process startOsprey(String jar, Path dir, int port) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
        String extra = System.getenv("OSPREY_BENCH_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar, "server", "--port", Integer.toString(port), "--backend-store-uri",
                "sqlite:///" + dir + "/osprey.db", "--artifacts-destination", dir.resolve("artifacts").toString(),
                "--gateway-allow-private-targets"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("osprey.log").toFile());
        pb.environment().put("OSPREY_GATEWAY_KEK", Base64.getEncoder().encodeToString(key));
        pb.environment().put("OSPREY_LOG_LEVEL", "WARN");
        Process p = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 200; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Osprey did not start; see " + dir.resolve("osprey.log"));
    }

    private static Process startNginx(Path dir, int port, int upstreamPort) throws Exception {
        Path conf = dir.resolve("nginx.conf");
        Files.createDirectories(dir.resolve("nginx-temp"));
        Files.writeString(conf, """
                worker_processes auto;
                error_log %1$s/nginx-error.log warn;
                pid %1$s/nginx.pid;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  keepalive_requests 10000000;
                  client_body_temp_path %1$s/nginx-temp/body;
                  proxy_temp_path %1$s/nginx-temp/proxy;
                  fastcgi_temp_path %1$s/nginx-temp/fastcgi;
                  uwsgi_temp_path %1$s/nginx-temp/uwsgi;
                  scgi_temp_path %1$s/nginx-temp/scgi;
                  upstream mock { server 127.0.0.1:%2$d; keepalive 128; keepalive_requests 10000000; }
                  server {
                    listen 127.0.0.1:%3$d;
                    location / {
                      proxy_pass http://mock;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                    }
                  }
                }
                """.formatted(dir, upstreamPort, port));
        String nginx = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        Process p = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", conf.toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx did not start (apt-get install nginx); see " + dir);
    }

    private static void configure(int ospreyPort, int upstreamPort) {
        String g = "http://127.0.0.1:" + ospreyPort + "/api/3.0/mlflow/gateway";
        for (String kind : List.of("fast", "slow")) {
            String secret = Bench.post(g + "/secrets/create", "{\"secret_name\":\"" + kind + "\",\"provider\":"
                    + "\"openai\",\"secret_value\":{\"api_key\":\"sk-bench-key-0000000000\"},\"auth_config\":"
                    + "{\"api_base\":\"http://127.0.0.1:" + upstreamPort + "/" + kind + "/v1\"}}");
            String secretId = secret.replaceAll(".*\"secret_id\":\"([^\"]+)\".*", "$1");
            String model = Bench.post(g + "/model-definitions/create", "{\"name\":\"" + kind + "\",\"secret_id\":\""
                    + secretId + "\",\"provider\":\"openai\",\"model_name\":\"gpt-bench\"}");
            String modelId = model.replaceAll(".*\"model_definition_id\":\"([^\"]+)\".*", "$1");
            Bench.post(g + "/endpoints/create", "{\"name\":\"" + kind + "\",\"model_configs\":[{"
                    + "\"model_definition_id\":\"" + modelId + "\"}]}");
        }
    }
}
