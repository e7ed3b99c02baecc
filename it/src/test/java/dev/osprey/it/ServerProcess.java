package dev.osprey.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real server jar in its own process, as a user would run it. */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ServerProcess start(String backendStoreUri, Path artifacts, String... extraArgs) throws IOException {
        return start(freePort(), backendStoreUri, artifacts, extraArgs);
    }

    static ServerProcess start(int port, String backendStoreUri, Path artifacts, String... extraArgs)
            throws IOException {
        return start(new Launch(port, backendStoreUri, artifacts.toString(), List.of("-Xmx512m"), Map.of(),
                List.of(extraArgs)));
    }

    /** How to start the jar: JVM options, environment and server flags beyond the usual ones. */
    record Launch(int port, String backendStoreUri, String artifactsDestination, List<String> jvmOptions,
            Map<String, String> environment, List<String> extraArgs) {}

    /** The jar under test; it must have been built. */
    private static String jar() {
        String jar = System.getProperty("osprey.jar", "../cli/target/osprey.jar");
        if (!Files.exists(Path.of(jar))) {
            throw new IllegalStateException("Server jar " + jar + " is missing; run the build through 'verify'.");
        }
        return Path.of(jar).toAbsolutePath().normalize().toString();
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The command that runs the jar's CLI, for suites that start other {@code osprey} commands. */
    static List<String> cliCommand() {
        return List.of(java(), "-jar", jar());
    }

    static ServerProcess start(Launch launch) throws IOException {
        String jar = jar();
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(launch.jvmOptions());
        command.addAll(List.of("-jar", jar, "server", "--host", "127.0.0.1", "--port",
                Integer.toString(launch.port()), "--backend-store-uri", launch.backendStoreUri(),
                "--artifacts-destination", launch.artifactsDestination()));
        command.addAll(launch.extraArgs());
        Path log = Files.createTempFile("osprey-server", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("OSPREY_LOG_LEVEL", "WARN");
        builder.environment().putAll(launch.environment());
        ServerProcess server = new ServerProcess(builder.start(), launch.port(), log);
        server.awaitHealthy(Duration.ofSeconds(60));
        return server;
    }

    /** The server's process id, to read its memory use from /proc. */
    long pid() {
        return process.pid();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    private void awaitHealthy(Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Server exited with " + process.exitValue() + ":\n"
                        + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("Server not healthy within " + timeout + ":\n" + Files.readString(log));
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
