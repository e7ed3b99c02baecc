package dev.osprey.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * ART-1: a large file up and down through the artifact proxy of the server jar (its own process, heap capped at
 * 256 MiB) against a plain file copy of the same file on the same disk, measured in the same run. Reports the
 * median of the rounds as a throughput ratio and the server's peak RSS (VmHWM).
 *
 * <p>Arguments: the server jar, then optionally the size in MiB (default 1024) and the number of rounds (default 3).
 */
public final class ArtifactLoad {
    private ArtifactLoad() {}

    public static void main(String[] args) throws Exception {
        String jar = args[0];
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty(
                "java.io.tmpdir"))), "osprey-art1");
        Path source = dir.resolve("source.bin");
        writeRandom(source, mib * 1024 * 1024);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(java, "-Xmx256m", "-jar", jar, "server", "--port", Integer.toString(port),
                "--backend-store-uri", "sqlite:///" + dir + "/osprey.db", "--artifacts-destination",
                dir.resolve("artifacts").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + port;
            awaitHealthy(http, base);
            List<Long> copy = new ArrayList<>();
            List<Long> streamed = new ArrayList<>();
            List<Long> upload = new ArrayList<>();
            List<Long> download = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                Path copyTarget = dir.resolve("copy.bin");
                sync();
                long t0 = System.nanoTime();
                Files.copy(source, copyTarget, StandardCopyOption.REPLACE_EXISTING);
                copy.add(System.nanoTime() - t0);
                Files.delete(copyTarget);

                sync();
                t0 = System.nanoTime();
                streamedCopy(source, copyTarget);
                streamed.add(System.nanoTime() - t0);
                Files.delete(copyTarget);

                String file = "/api/2.0/mlflow-artifacts/artifacts/0/bench/artifacts/big-" + i + ".bin";
                sync();
                t0 = System.nanoTime();
                int put = FileTransferClient.put("127.0.0.1", port, file, source);
                upload.add(System.nanoTime() - t0);
                check(put, "upload");

                Path downloaded = dir.resolve("down.bin");
                sync();
                t0 = System.nanoTime();
                int get = FileTransferClient.get("127.0.0.1", port, file, downloaded);
                download.add(System.nanoTime() - t0);
                check(get, "download");
                if (Files.size(downloaded) != Files.size(source) || Files.mismatch(downloaded, source) != -1) {
                    throw new IllegalStateException("downloaded bytes differ from the source");
                }
                Files.delete(downloaded);
                Files.delete(dir.resolve("artifacts/0/bench/artifacts/big-" + i + ".bin"));
            }
            long bytes = Files.size(source);
            double copyMbs = mbps(bytes, median(copy));
            double streamedMbs = mbps(bytes, median(streamed));
            double upMbs = mbps(bytes, median(upload));
            double downMbs = mbps(bytes, median(download));
            System.out.println("| " + mib + " MiB, median of " + rounds
                    + " | MB/s | vs file copy | vs streamed copy |");
            System.out.println("|---|---|---|---|");
            System.out.printf("| file copy, Files.copy (in-kernel copy_file_range) | %.0f | 100 %% | |%n", copyMbs);
            System.out.printf("| streamed copy, 1 MiB read/write | %.0f | %.0f %% | 100 %% |%n", streamedMbs,
                    100 * streamedMbs / copyMbs);
            System.out.printf("| upload through the proxy (PUT) | %.0f | %.0f %% | %.0f %% |%n", upMbs,
                    100 * upMbs / copyMbs, 100 * upMbs / streamedMbs);
            System.out.printf("| download through the proxy (GET) | %.0f | %.0f %% | %.0f %% |%n", downMbs,
                    100 * downMbs / copyMbs, 100 * downMbs / streamedMbs);
            System.out.println("| server peak RSS (VmHWM), -Xmx256m | " + peakRssKb(server.pid()) / 1024
                    + " MiB | | |");
        } finally {
            server.destroy();
            server.waitFor();
            Files.deleteIfExists(source);
        }
    }

    /**
     * Flushes dirty pages before each timed step, so no step pays for the write-back of the one before it (the
     * kernel throttles writers once enough dirty data piles up).
     */
    private static void sync() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    /** What a process that moves the bytes through user space does at best (as dd bs=1M): 1 MiB reads and writes. */
    private static void streamedCopy(Path from, Path to) throws IOException {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
        try (var in = java.nio.channels.FileChannel.open(from);
                var out = java.nio.channels.FileChannel.open(to, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE)) {
            while (in.read(buffer) > 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                buffer.clear();
            }
        }
    }

    private static void writeRandom(Path file, long size) throws IOException {
        byte[] block = new byte[1 << 20];
        Random random = new Random(1);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
    }

    private static void awaitHealthy(HttpClient http, String base) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("server did not become healthy");
    }

    private static void check(int status, String what) {
        if (status != 200) {
            throw new IllegalStateException(what + " answered " + status);
        }
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    private static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
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
