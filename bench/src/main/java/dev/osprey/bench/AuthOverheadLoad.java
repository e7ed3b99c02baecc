package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * AUTH-1: what authentication and authorization cost on the hottest write path. The same log-metric load (keep-alive
 * clients, one run each) against a server without auth (the reference, same run, same backend) and with basic auth
 * on, as a non-admin user (the creator of the experiment, so each call resolves the run's experiment and looks up a
 * grant), once with Basic credentials and once with an API token; then with workspaces on, the calls made in a
 * workspace other than the default one, without auth and with Basic credentials (a user with EDIT in it).
 */
public final class AuthOverheadLoad {
    private static final int CLIENTS = 16;
    private static final int CALLS = 1_500;

    private AuthOverheadLoad() {}

    record Result(String backend, String mode, double callsPerSecond, Bench.Latencies latencies, double reference) {
        String row() {
            return String.format("| %s | %s | %,.0f | %.2f | %.2f | %,.0f | **%.2fx** |", backend, mode,
                    callsPerSecond, latencies.p(0.5), latencies.p(0.99), reference, reference / callsPerSecond);
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String backend : args.length > 0 ? List.of(args[0].split(",")) : List.of("sqlite")) {
            // Reference measured before and after the auth runs (the better of the two), so JIT warm-up and
            // database growth during the run do not favour either side.
            measure(backend, true, "basic", true); // warm-up of every path, discarded: the JIT favoured later runs
            double[] first = measure(backend, false, "", false);
            double[] basic = measure(backend, true, "basic", false);
            double[] token = measure(backend, true, "token", false);
            double[] workspace = measure(backend, false, "", true);
            double[] basicWorkspace = measure(backend, true, "basic", true);
            double[] last = measure(backend, false, "", false);
            double[] off = first[0] >= last[0] ? first : last;
            rows.add(new Result(backend, "no auth (reference)", off[0], new Bench.Latencies(lat(off)), off[0]).row());
            rows.add(new Result(backend, "basic", basic[0], new Bench.Latencies(lat(basic)), off[0]).row());
            rows.add(new Result(backend, "token", token[0], new Bench.Latencies(lat(token)), off[0]).row());
            rows.add(new Result(backend, "no auth, workspace", workspace[0], new Bench.Latencies(lat(workspace)),
                    off[0]).row());
            rows.add(new Result(backend, "basic, workspace", basicWorkspace[0],
                    new Bench.Latencies(lat(basicWorkspace)), off[0]).row());
        }
        Bench.printTable(rows, "backend", "credentials", "log-metric calls/s", "p50 ms", "p99 ms",
                "no-auth calls/s", "slowdown");
    }

    private static long[] lat(double[] result) {
        long[] out = new long[result.length - 1];
        for (int i = 1; i < result.length; i++) {
            out[i - 1] = (long) result[i];
        }
        return out;
    }

    /** Calls per second, then each call's latency in nanoseconds. */
    private static double[] measure(String backendName, boolean auth, String mode, boolean inWorkspace)
            throws Exception {
        String uri = Bench.backend(backendName);
        ServerConfig config = new ServerConfig("127.0.0.1", 0, uri, Optional.empty(),
                Files.createTempDirectory("osprey-bench-artifacts"), true, "", true);
        if (auth) {
            config = config.withAuth(new ServerConfig.AuthOptions(true, "READ", Optional.of("admin"),
                    Optional.of("bench-admin-1")));
        }
        config = config.withWorkspaces(inWorkspace);
        try (OspreyServer server = OspreyServer.start(config)) {
            String api = server.baseUrl() + "/api/2.0/mlflow";
            String header = "";
            String user = "bench-" + System.nanoTime();
            String workspace = inWorkspace ? "bench-" + Long.toHexString(System.nanoTime()) : "";
            String admin = auth ? basic("admin", "bench-admin-1") : "";
            if (inWorkspace) {
                Bench.post(server.baseUrl() + "/api/3.0/mlflow/workspaces", "{\"name\": \"" + workspace + "\"}",
                        admin);
            }
            if (auth) {
                Bench.post(api + "/users/create", "{\"username\": \"" + user + "\", \"password\": "
                        + "\"bench-pass-1\"}", admin);
                if (inWorkspace) {
                    Bench.post(api + "/workspaces/permissions/create", "{\"workspace_name\": \"" + workspace
                            + "\", \"username\": \"" + user + "\", \"permission\": \"EDIT\"}", admin);
                }
                header = basic(user, "bench-pass-1");
                if (mode.equals("token")) {
                    String secret = Bench.post(server.baseUrl() + "/api/2.0/osprey/tokens/create",
                            "{\"name\": \"bench\"}", header).replaceAll(".*\"secret\":\"([^\"]+)\".*", "$1");
                    header = "Bearer " + secret;
                }
            }
            String exp = Bench.post(api + "/experiments/create", "{\"name\": \"auth-bench-" + System.nanoTime() + "\"}",
                    header, workspace)
                    .replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            List<String> runs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                runs.add(Bench.post(api + "/runs/create", "{\"experiment_id\": \"" + exp + "\"}", header, workspace)
                        .replaceAll(".*\"run_id\":\"([0-9a-f]+)\".*", "$1"));
            }
            String headers = "Content-Type: application/json\r\n" + (header.isEmpty() ? ""
                    : "Authorization: " + header + "\r\n") + (workspace.isEmpty() ? ""
                    : "X-MLFLOW-WORKSPACE: " + workspace + "\r\n");
            load(server.port(), runs, headers, 100, new long[CLIENTS * 100]);
            long[] latencies = new long[CLIENTS * CALLS];
            long start = System.nanoTime();
            load(server.port(), runs, headers, CALLS, latencies);
            double seconds = (System.nanoTime() - start) / 1e9;
            double[] out = new double[latencies.length + 1];
            out[0] = CLIENTS * CALLS / seconds;
            for (int i = 0; i < latencies.length; i++) {
                out[i + 1] = latencies[i];
            }
            System.err.printf("%s %s%s: %,.0f calls/s%n", backendName, auth ? mode : "no auth",
                    inWorkspace ? ", workspace" : "", out[0]);
            return out;
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void load(int port, List<String> runs, String headers, int calls, long[] latencies)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(runs.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < runs.size(); c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (KeepAliveClient http = new KeepAliveClient("127.0.0.1", port)) {
                        for (int i = 0; i < calls; i++) {
                            byte[] body = ("{\"run_id\": \"" + runs.get(client) + "\", \"key\": \"loss\", \"value\": "
                                    + i + ", \"timestamp\": " + (1_700_000_000_000L + i) + ", \"step\": " + i + "}")
                                    .getBytes(StandardCharsets.UTF_8);
                            long t0 = System.nanoTime();
                            int status = http.post("/api/2.0/mlflow/runs/log-metric", body, headers);
                            latencies[client * calls + i] = System.nanoTime() - t0;
                            if (status != 200) {
                                throw new IllegalStateException("log-metric answered " + status + ": "
                                        + http.lastError);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
