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
        Path archive = Files.createTempDirectory("osprey-cds").resolve("osprey.jsa");
        List<Long> jvm = new ArrayList<>();
        List<Long> healthy = new ArrayList<>();
        List<Long> healthyCds = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        // The launcher's class-data archive: the first start writes it, later starts map it.
        startToHealthy(java, List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive"), jar);
        for (int i = 0; i < ROUNDS; i++) {
            healthyCds.add(startToHealthy(java, List.of("-XX:SharedArchiveFile=" + archive,
                    "-XX:+AutoCreateSharedArchive"), jar)[0]);
        }
        for (int i = 0; i < ROUNDS; i++) {
            long t0 = System.nanoTime();
            new ProcessBuilder(java, "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
            jvm.add((System.nanoTime() - t0) / 1_000_000);

            long[] result = startToHealthy(java, List.of(), jar);
            healthy.add(result[0]);
            rss.add(result[1]);
        }
        long medJvm = median(jvm);
        long medHealthy = median(healthy);
        System.out.println("| measure | median of " + ROUNDS + " |");
        System.out.println("|---|---|");
        System.out.println("| `java -version` (JVM floor) | " + medJvm + " ms |");
        System.out.println("| start to healthy (fresh SQLite, migrations included) | " + medHealthy + " ms ("
                + String.format("%.1fx", (double) medHealthy / medJvm) + " the JVM floor) |");
        System.out.println("| start to healthy with the launcher's class-data archive | " + median(healthyCds)
                + " ms (" + String.format("%.1fx", (double) median(healthyCds) / medJvm) + " the JVM floor) |");
        System.out.println("| idle RSS 3 s after healthy | " + median(rss) / 1024 + " MiB |");
    }

    /** Starts the jar on a fresh SQLite database; returns {milliseconds to healthy, idle RSS in KiB}. */
    private static long[] startToHealthy(String java, List<String> jvmOptions, String jar) throws Exception {
        Path dir = Files.createTempDirectory("osprey-startup");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar, "server", "--port", Integer.toString(port), "--backend-store-uri",
                "sqlite:///" + dir + "/osprey.db", "--artifacts-destination", dir.resolve("artifacts").toString()));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
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
        long millis = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(3000);
        long rss = rssKb(p.pid());
        p.destroy();
        p.waitFor();
        return new long[] {millis, rss};
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
