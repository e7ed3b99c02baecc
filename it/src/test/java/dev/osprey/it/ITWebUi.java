package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The web UI end to end: the server jar (with the UI built in) on seeded data, each page driven by playwright-core in
 * Debian's headless Chromium (ui/e2e/flows/*.mjs). A flow fails on a missed expectation or on any console error;
 * screenshots land in ui/e2e-results/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITWebUi {
    private static final Path UI = Path.of("..", "ui").toAbsolutePath().normalize();

    private MockProvider provider;
    private ServerProcess server;
    private Path seedFile;

    @BeforeAll
    void start() throws Exception {
        assertThat(UI.resolve("node_modules/playwright-core")).as("ui/node_modules is missing: the UI build "
                + "(npm ci) did not run; build without -Dskip.ui").exists();
        assertThat(Path.of(System.getenv().getOrDefault("OSPREY_CHROMIUM", "/usr/bin/chromium"))).as("Chromium "
                + "is needed for the UI tests: apt-get install chromium (or set OSPREY_CHROMIUM)").exists();
        provider = new MockProvider().replyBy(UiSeed::model);
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(), Backends.freshSqlite(),
                Files.createTempDirectory("osprey-ui-artifacts").toString(), List.of("-Xmx512m"),
                Map.of("OSPREY_GATEWAY_KEK", Base64.getEncoder().encodeToString(kek),
                        "OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS", "true"), List.of()));
        seedFile = Files.createTempFile("osprey-ui-seed", ".json");
        Files.writeString(seedFile, Json.writeString(new UiSeed(server.url()).seed(provider.baseUrl())));
        if (Boolean.getBoolean("osprey.ui.hold")) {
            // For UI development: -Dosprey.ui.hold=true keeps the seeded server up for `node e2e/run.mjs <flow>`.
            System.out.println("OSPREY_URL=" + server.url() + " OSPREY_SEED=" + seedFile);
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"experiments", "runs", "run", "compare", "traces", "evaluations", "prompts", "models",
        "gateway", "overview", "judges", "optimization", "simulations"})
    void page(String flow) throws Exception {
        run(flow, server.url());
    }

    /** Issue 19: the UI through nginx's default proxy_pass, which speaks HTTP/1.0 to the server. */
    @ParameterizedTest(name = "{0} behind nginx")
    @ValueSource(strings = {"experiments", "run", "traces"})
    void pageBehindNginx(String flow) throws Exception {
        try (Nginx nginx = Nginx.proxyTo(server.port())) {
            run(flow, nginx.url());
            assertThat(nginx.errorLog()).doesNotContain("upstream sent", "prematurely closed");
        }
    }

    private void run(String flow, String url) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("node", "e2e/run.mjs", flow).directory(UI.toFile())
                .redirectErrorStream(true);
        builder.environment().put("OSPREY_URL", url);
        builder.environment().put("OSPREY_SEED", seedFile.toString());
        Process process = builder.start();
        boolean done = process.waitFor(180, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            process.destroyForcibly();
        }
        System.out.println(output);
        assertThat(done).as("flow %s did not finish in 180 s:%n%s", flow, output).isTrue();
        assertThat(process.exitValue()).as("flow %s:%n%s", flow, output).isZero();
        assertThat(output).contains("PASS " + flow);
    }
}
