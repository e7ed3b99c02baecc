package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx in front of a server with nothing but {@code proxy_pass}: its defaults speak HTTP/1.0 to the
 * upstream with {@code Connection: close}, buffer bodies both ways and set {@code Host} to the upstream's address —
 * what an operator's first reverse proxy does. {@code client_max_body_size} is raised from its 1 MB so artifact
 * uploads pass, as any deployment of a tracking server sets it.
 */
final class Nginx implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private Nginx(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    static Nginx proxyTo(int upstreamPort) throws IOException, InterruptedException {
        Path binary = Path.of(System.getenv().getOrDefault("OSPREY_NGINX", "/usr/sbin/nginx"));
        assertThat(binary).as("nginx is needed for the reverse-proxy tests: apt-get install nginx-light (or set "
                + "OSPREY_NGINX)").exists();
        Path dir = Files.createTempDirectory("osprey-nginx");
        // Workers run as nobody when the tests run as root: they need to write the temporary body files here.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port = ServerProcess.freePort();
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 512; }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    client_max_body_size 200m;
                    server {
                        listen 127.0.0.1:%2$d;
                        location / {
                            proxy_pass http://127.0.0.1:%3$d;
                        }
                    }
                }
                """.formatted(dir, port, upstreamPort));
        Process process = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Nginx nginx = new Nginx(process, port, dir);
        nginx.awaitListening(Duration.ofSeconds(20));
        return nginx;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** What nginx logged about its upstream (a 505 or a broken answer shows here). */
    String errorLog() throws IOException {
        Path log = dir.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private void awaitListening(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ":\n"
                        + Files.readString(dir.resolve("stdout.log")) + errorLog());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx not listening within " + timeout + ":\n" + errorLog());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
