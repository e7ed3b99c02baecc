package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MLflow's own clients, unmodified, as the judge of wire compatibility (from {@code ../shared/clients}): the Python
 * client 3.11 runs {@code conformance/python/suite.py} against the real jar on SQLite and PostgreSQL, with basic auth
 * and an API token, and inside a workspace; the TypeScript tracing SDK runs {@code conformance/ts/suite.cjs}. Any
 * failing case fails the test, and the counts per area are printed for the closing note.
 *
 * <p>{@code .ci/run} prepares both clients and sets {@code OSPREY_MLFLOW_PYTHON_SITE} and
 * {@code OSPREY_MLFLOW_TS_MODULES}; without them these tests are skipped locally and fail under CI.
 */
class ITMlflowClients {
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "Conformance-admin-9";
    private static final Path PYTHON_SUITE = Path.of("../conformance/python/suite.py").toAbsolutePath().normalize();
    private static final Path TS_SUITE = Path.of("../conformance/ts/suite.cjs").toAbsolutePath().normalize();
    private static final Path COVERAGE = Path.of("../conformance/python/coverage.py").toAbsolutePath().normalize();
    private static final Map<String, String> AUTH_SERVER = Map.of("OSPREY_ADMIN_USERNAME", ADMIN,
            "OSPREY_ADMIN_PASSWORD", ADMIN_PASSWORD);
    private static final Map<String, String> AUTH_CLIENT = Map.of("MLFLOW_TRACKING_USERNAME", ADMIN,
            "MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD, "OSPREY_CONFORMANCE_ADMIN", ADMIN + ":" + ADMIN_PASSWORD);

    @TempDir
    Path dir;

    @Test
    void python_onSqlite() throws Exception {
        assertNoFailures("Python client, sqlite", python(Backends.freshSqlite(), Map.of(), List.of(), Map.of()), 5);
    }

    @Test
    void python_onPostgres() throws Exception {
        assertNoFailures("Python client, postgresql", python(Backends.postgres(), Map.of(), List.of(), Map.of()), 5);
    }

    @Test
    void python_onMariaDb() throws Exception {
        assertNoFailures("Python client, mariadb", python(Backends.mysql(), Map.of(), List.of(), Map.of()), 5);
    }

    /** The in-memory reference backend serves the real client as the databases do (issue 20). */
    @Test
    void python_onTheInMemoryBackend() throws Exception {
        assertNoFailures("Python client, memory", python("memory:", Map.of(), List.of(), Map.of()), 5);
    }

    @Test
    void python_withBasicAuthAndAnApiToken() throws Exception {
        JsonNode counts = python(Backends.freshSqlite(), AUTH_SERVER, List.of("--app-name", "basic-auth"),
                AUTH_CLIENT);
        assertNoFailures("Python client, sqlite + basic auth", counts, 5);
        assertThat(counts.path("areas").path("auth").path("cases").asInt()).as("auth cases ran").isPositive();
    }

    @Test
    void python_insideAWorkspace() throws Exception {
        JsonNode counts = python(Backends.freshSqlite(), Map.of(), List.of("--enable-workspaces"),
                Map.of("MLFLOW_WORKSPACE", "team-a"));
        assertNoFailures("Python client, sqlite + workspace team-a", counts, 5);
        assertThat(counts.path("areas").path("workspaces").path("cases").asInt()).as("workspace cases ran")
                .isPositive();
    }

    @Test
    void typeScript_onSqlite() throws Exception {
        assertNoFailures("TypeScript SDK, sqlite", typeScript(Backends.freshSqlite(), Map.of(), List.of(), Map.of()),
                0);
    }

    @Test
    void typeScript_withBasicAuth() throws Exception {
        assertNoFailures("TypeScript SDK, sqlite + basic auth", typeScript(Backends.freshSqlite(), AUTH_SERVER,
                List.of("--app-name", "basic-auth"), AUTH_CLIENT), 0);
    }

    /**
     * Every route of MLflow's server probed against the jar with every optional feature on; the table in
     * {@code docs/api-coverage.md} must be what the probe finds (regenerate with {@code -Dosprey.coverage.write=true}).
     */
    @Test
    void apiCoverage_isMeasured_andTheTableIsCurrent() throws Exception {
        byte[] kek = new byte[32];
        new java.security.SecureRandom().nextBytes(kek);
        Path table = dir.resolve("api-coverage.md");
        Map<String, String> env = new HashMap<>();
        env.put("PYTHONPATH", clientDirectory("OSPREY_MLFLOW_PYTHON_SITE", "mlflow").toString());
        JsonNode counts = run(Backends.freshSqlite(), Map.of("OSPREY_GATEWAY_KEK",
                java.util.Base64.getEncoder().encodeToString(kek)), List.of("--enable-workspaces"),
                List.of(pythonCommand(), COVERAGE.toString(), "--markdown", table.toString()), env);
        System.out.println("MLflow API coverage: " + counts);
        assertThat(counts.path("error").asInt()).as("routes answering 5xx to placeholder input").isZero();
        Path committed = Path.of("../docs/api-coverage.md");
        if (Boolean.getBoolean("osprey.coverage.write")) {
            Files.copy(table, committed, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(Files.readString(table)).as("docs/api-coverage.md is stale: run this test with "
                + "-Dosprey.coverage.write=true").isEqualTo(Files.readString(committed));
    }

    private static void assertNoFailures(String setup, JsonNode counts, int moreAreasThan) {
        System.out.println("MLflow client conformance, " + setup + ": " + counts);
        assertThat(counts.path("failed").asInt()).as("failed cases, " + setup + " (see the output above)")
                .isZero();
        assertThat(counts.path("areas").size()).as("areas run").isGreaterThan(moreAreasThan);
    }

    private JsonNode python(String backend, Map<String, String> serverEnv, List<String> serverArgs,
            Map<String, String> clientEnv) throws Exception {
        Map<String, String> env = new HashMap<>(clientEnv);
        env.put("PYTHONPATH", clientDirectory("OSPREY_MLFLOW_PYTHON_SITE", "mlflow").toString());
        env.put("MLFLOW_DISABLE_TELEMETRY", "true");
        return run(backend, serverEnv, serverArgs, List.of(pythonCommand(), PYTHON_SUITE.toString()), env);
    }

    private JsonNode typeScript(String backend, Map<String, String> serverEnv, List<String> serverArgs,
            Map<String, String> clientEnv) throws Exception {
        Map<String, String> env = new HashMap<>(clientEnv);
        env.put("NODE_PATH", clientDirectory("OSPREY_MLFLOW_TS_MODULES", "mlflow-tracing").toString());
        return run(backend, serverEnv, serverArgs, List.of("node", TS_SUITE.toString()), env);
    }

    /** Starts the jar, runs a suite against it ({@code suite} + {@code --json FILE}), returns the suite's counts. */
    private JsonNode run(String backend, Map<String, String> serverEnv, List<String> serverArgs, List<String> suite,
            Map<String, String> clientEnv) throws Exception {
        // Every server has a gateway that may call the suite's local mock model: the gateway area runs everywhere.
        Map<String, String> withGateway = new HashMap<>(serverEnv);
        if (!withGateway.containsKey("OSPREY_GATEWAY_KEK")) {
            byte[] kek = new byte[32];
            new java.security.SecureRandom().nextBytes(kek);
            withGateway.put("OSPREY_GATEWAY_KEK", java.util.Base64.getEncoder().encodeToString(kek));
        }
        withGateway.put("OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS", "true");
        try (ServerProcess server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(), backend,
                dir.resolve("artifacts").toString(), List.of("-Xmx512m"), withGateway, serverArgs))) {
            Path summary = dir.resolve("counts-" + System.nanoTime() + ".json");
            List<String> command = new ArrayList<>(suite);
            command.addAll(List.of("--json", summary.toString()));
            Path log = Files.createTempFile(dir, "suite", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).directory(dir.toFile());
            Map<String, String> e = builder.environment();
            e.put("MLFLOW_TRACKING_URI", server.url());
            e.put("HOME", dir.toString()); // the client's caches and config stay in the test's directory
            e.remove("MLFLOW_TRACKING_TOKEN");
            e.put("OSPREY_CONFORMANCE_GATEWAY", "1");
            e.put("OSPREY_CONFORMANCE_SERVE", String.join(" ", ServerProcess.cliCommand()));
            e.putAll(clientEnv);
            Process process = builder.start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("the suite did not finish in 10 minutes:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(output);
            if (!Files.exists(summary)) {
                fail("the suite ended without its counts (exit " + process.exitValue() + "):\n" + output
                        + "\nserver log:\n" + server.log());
            }
            JsonNode counts = new ObjectMapper().readTree(Files.readString(summary));
            if (counts.path("failed").asInt() > 0) {
                System.out.println("server log:\n" + server.log());
            }
            return counts;
        }
    }

    private static String pythonCommand() {
        return Optional.ofNullable(System.getenv("OSPREY_MLFLOW_PYTHON")).filter(s -> !s.isBlank())
                .orElse("python3");
    }

    /**
     * A client's directory from {@code .ci/run} (it must hold {@code mustHold}); skipped locally without it, a failure
     * under CI.
     */
    private static Path clientDirectory(String variable, String mustHold) {
        Optional<Path> directory = Optional.ofNullable(System.getenv(variable)).filter(s -> !s.isBlank())
                .map(Path::of);
        if (directory.isEmpty() || !Files.isDirectory(directory.get().resolve(mustHold))) {
            String why = variable + " does not name a directory holding " + mustHold + " (.ci/run prepares MLflow's "
                    + "clients from ../shared/clients)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why);
            }
            Assumptions.abort(why + "; skipping this client's suite.");
        }
        return directory.get();
    }
}
