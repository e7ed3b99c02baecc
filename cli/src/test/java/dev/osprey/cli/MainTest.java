package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: help text, mlflow-style flags, db upgrade, bad URIs. */
class MainTest {

    private static String captureOut(Runnable body) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void serverHelp_listsTheMlflowServerFlags() {
        int[] code = new int[1];
        String help = captureOut(() -> code[0] = Main.run("server", "--help"));
        assertThat(code[0]).isZero();
        assertThat(help).contains("--host", "--port", "--backend-store-uri", "--default-artifact-root",
                "--artifacts-destination", "--[no-]serve-artifacts", "--static-prefix", "--workers");
    }

    @Test
    void topLevelHelp_namesTheCommands() {
        String help = captureOut(() -> Main.run("--help"));
        assertThat(help).contains("server", "db");
    }

    @Test
    void dbUpgrade_migratesAFreshSqliteDatabase() throws Exception {
        Path dir = Files.createTempDirectory("osprey-cli");
        int[] code = new int[1];
        String out = captureOut(() -> code[0] = Main.run("db", "upgrade", "sqlite:///" + dir + "/osprey.db"));
        assertThat(code[0]).isZero();
        assertThat(out).contains("Schema is up to date.");
        assertThat(dir.resolve("osprey.db")).exists();
    }

    @Test
    void unsupportedBackend_failsWithTheFix() {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("db", "upgrade", "oracle://db/x");
        } finally {
            System.setErr(original);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Supported schemes", "sqlite:///");
    }

    @Test
    void serverOnATakenPort_exitsWithWhatToDo_insteadOfServingNothing() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path dir = Files.createTempDirectory("osprey-cli-port");
            CliRun run = CliRun.of("server", "--port", String.valueOf(taken.getLocalPort()), "--backend-store-uri",
                    "sqlite:///" + dir + "/osprey.db", "--artifacts-destination", dir.resolve("artifacts").toString());
            assertThat(run.code()).isEqualTo(2);
            assertThat(run.err()).contains("Cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port");
            assertThat(run.out()).doesNotContain("serving the MLflow API");
        }
    }
}
