package dev.osprey.bench;

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

/**
 * Start-up to healthy time and idle RSS of the server jar on a fresh SQLite database, against the time the same JVM
 * takes to run {@code -version} (the floor any Java server starts from), measured in the same run.
 */
public final class StartupProbe {
    private static final int ROUNDS = 5;

    private StartupProbe() {}

    public static void main(String[] args) throws Exception {
        String jar = args[0];
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Long> jvm = new ArrayList<>();
        List<Long> healthy = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            long t0 = System.nanoTime();
            new ProcessBuilder(java, "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
            jvm.add((System.nanoTime() - t0) / 1_000_000);

            Path dir = Files.createTempDirectory("osprey-startup");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            long start = System.nanoTime();
            Process p = new ProcessBuilder(java, "-jar", jar, "server", "--port", Integer.toString(port),
                    "--backend-store-uri", "sqlite:///" + dir + "/osprey.db", "--artifacts-destination",
                    dir.resolve("artifacts").toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    Thread.sleep(10);
                }
            }
            healthy.add((System.nanoTime() - start) / 1_000_000);
            Thread.sleep(3000);
            rss.add(rssKb(p.pid()));
            p.destroy();
            p.waitFor();
        }
        long medJvm = median(jvm);
        long medHealthy = median(healthy);
        System.out.println("| measure | median of " + ROUNDS + " |");
        System.out.println("|---|---|");
        System.out.println("| `java -version` (JVM floor) | " + medJvm + " ms |");
        System.out.println("| start to healthy (fresh SQLite, migrations included) | " + medHealthy + " ms ("
                + String.format("%.1fx", (double) medHealthy / medJvm) + " the JVM floor) |");
        System.out.println("| idle RSS 3 s after healthy | " + median(rss) / 1024 + " MiB |");
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
