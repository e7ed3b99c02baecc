package dev.osprey.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The SPA handler through a real socket: fallback, prefix rewriting, caching, security headers, what it leaves. */
class UiHandlerTest {
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private WebServer serve(String prefix) {
        return WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.get("/*", new UiHandler("test-web", prefix, "DENY"))
                        .any((req, res) -> res.status(404).send("passed on")))
                .build().start();
    }

    private HttpResponse<String> get(WebServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void deepLinks_getTheIndex_withSecurityHeaders() throws Exception {
        WebServer server = serve("");
        try {
            for (String path : new String[] {"/", "/experiments/1/runs/abc", "/prompts/my%20prompt?version=2"}) {
                HttpResponse<String> r = get(server, path);
                assertThat(r.statusCode()).as(path).isEqualTo(200);
                assertThat(r.body()).contains("<title>Osprey test UI</title>")
                        .contains("<meta name=\"osprey-prefix\" content=\"\">");
                assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
                assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
                assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                        .contains("frame-ancestors 'none'").contains("script-src 'self'");
                assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
            }
            HttpResponse<String> asset = get(server, "/assets/app-abc123.js");
            assertThat(asset.statusCode()).isEqualTo(200);
            assertThat(asset.body()).contains("test ui");
            assertThat(asset.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(asset.headers().firstValue("Cache-Control").orElseThrow()).contains("immutable");
            assertThat(get(server, "/assets/missing.js").statusCode()).isEqualTo(404);
            assertThat(get(server, "/assets/..%2F..%2Findex.html").statusCode()).isEqualTo(404);
        } finally {
            server.stop();
        }
    }

    @Test
    void apiAndOtherOwnedPaths_arePassedOn() throws Exception {
        WebServer server = serve("");
        try {
            for (String path : new String[] {"/api/2.0/mlflow/experiments/get", "/ajax-api/2.0/x", "/health",
                "/version", "/gateway/mlflow/v1/models", "/v1/traces", "/get-artifact", "/metrics"}) {
                HttpResponse<String> r = get(server, path);
                assertThat(r.body()).as(path).isEqualTo("passed on");
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void staticPrefix_movesTheUi_andRewritesAssetUrls() throws Exception {
        WebServer server = serve("/mlflow");
        try {
            HttpResponse<String> index = get(server, "/mlflow/experiments/3");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.body()).contains("src=\"/mlflow/assets/app-abc123.js\"")
                    .contains("<meta name=\"osprey-prefix\" content=\"/mlflow\">");
            assertThat(get(server, "/mlflow/assets/app-abc123.js").statusCode()).isEqualTo(200);
            HttpResponse<String> bare = get(server, "/mlflow");
            assertThat(bare.statusCode()).isEqualTo(301);
            assertThat(bare.headers().firstValue("Location")).hasValue("/mlflow/");
            assertThat(get(server, "/experiments/3").body()).isEqualTo("passed on");
            assertThat(get(server, "/mlflow/ajax-api/2.0/x").body()).isEqualTo("passed on");
        } finally {
            server.stop();
        }
    }

    @Test
    void aJarBuiltWithoutTheUi_saysHowToGetIt() throws Exception {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.get("/*", new UiHandler("no-such-root", "", "DENY"))).build().start();
        try {
            HttpResponse<String> r = get(server, "/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("built without the web UI").contains("npm");
        } finally {
            server.stop();
        }
    }
}
