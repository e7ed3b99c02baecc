package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * OTLP over gRPC ({@code --otlp-grpc-port}) with the OpenTelemetry Java SDK's own gRPC exporter (OkHttp, h2c with
 * prior knowledge, as the Collector's exporter connects): spans read back over REST in the one span form, answers
 * for a missing or unknown experiment, and with basic auth on: refused without credentials or permission, stored
 * with them.
 */
class ITOtlpGrpc {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> send(String url, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        b = body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A finished GenAI chat span under an agent span, captured in memory so it can be exported several ways. */
    private static List<SpanData> spans() {
        InMemorySpanExporter memory = InMemorySpanExporter.create();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
            Tracer tracer = provider.get("grpc-app");
            Span agent = tracer.spanBuilder("invoke_agent helper").startSpan();
            agent.setAttribute("gen_ai.operation.name", "invoke_agent");
            try (Scope ignored = agent.makeCurrent()) {
                Span chat = tracer.spanBuilder("chat gpt-4o").startSpan();
                chat.setAttribute("gen_ai.operation.name", "chat");
                chat.setAttribute("gen_ai.request.model", "gpt-4o");
                chat.setAttribute("gen_ai.usage.input_tokens", 12L);
                chat.setAttribute("gen_ai.usage.output_tokens", 3L);
                chat.end();
            }
            agent.end();
            return memory.getFinishedSpanItems(); // before the provider's shutdown clears them
        }
    }

    /** 500 spans with 10 kB of input each. */
    private static List<SpanData> bigTrace() {
        InMemorySpanExporter memory = InMemorySpanExporter.create();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
            Tracer tracer = provider.get("grpc-app");
            Span root = tracer.spanBuilder("batch").startSpan();
            try (Scope ignored = root.makeCurrent()) {
                for (int i = 0; i < 499; i++) {
                    Span step = tracer.spanBuilder("step-" + i).startSpan();
                    step.setAttribute("input.value", "x".repeat(10_000));
                    step.end();
                }
            }
            root.end();
            List<SpanData> spans = new java.util.ArrayList<>(memory.getFinishedSpanItems());
            java.util.Collections.reverse(spans); // the root first, as traceId() expects
            return spans;
        }
    }

    private static CompletableResultCode export(int grpcPort, List<SpanData> spans, Map<String, String> headers) {
        var builder = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
                .setTimeout(10, TimeUnit.SECONDS);
        headers.forEach(builder::addHeader);
        try (SpanExporter exporter = builder.build()) {
            return exporter.export(spans).join(20, TimeUnit.SECONDS);
        }
    }

    private static String traceId(List<SpanData> spans) {
        return "tr-" + spans.get(0).getTraceId();
    }

    @Test
    void theSdksGrpcExporter_storesTypedSpans_andBadCallsAreRefused() throws Exception {
        int grpcPort = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.start(Backends.freshSqlite(), Files.createTempDirectory("grpc"),
                "--otlp-grpc-port", String.valueOf(grpcPort))) {
            String exp = Json.read(send(server.url() + "/api/2.0/mlflow/experiments/create", "{\"name\": \"grpc\"}",
                    null).body()).get("experiment_id").asText();
            List<SpanData> spans = spans();
            assertThat(export(grpcPort, spans, Map.of("x-mlflow-experiment-id", exp)).isSuccess()).isTrue();
            JsonNode trace = Json.read(send(server.url() + "/api/3.0/mlflow/traces/get?trace_id=" + traceId(spans),
                    null, null).body()).get("trace");
            assertThat(trace.at("/trace_info/state").asText()).isEqualTo("OK");
            assertThat(trace.at("/trace_info/trace_metadata/mlflow.trace.tokenUsage").asText())
                    .isEqualTo("{\"input_tokens\": 12, \"output_tokens\": 3, \"total_tokens\": 15}");
            assertThat(trace.get("spans").toString()).contains(
                    "{\"key\":\"mlflow.spanType\",\"value\":{\"string_value\":\"AGENT\"}}",
                    "{\"key\":\"mlflow.spanType\",\"value\":{\"string_value\":\"CHAT_MODEL\"}}");

            List<SpanData> big = bigTrace();
            assertThat(export(grpcPort, big, Map.of("x-mlflow-experiment-id", exp)).isSuccess())
                    .as("a 5 MB export, over gRPC's usual 2 MiB default").isTrue();
            assertThat(Json.read(send(server.url() + "/api/3.0/mlflow/traces/get?trace_id=" + traceId(big), null,
                    null).body()).at("/trace/spans")).hasSize(500);
            assertThat(export(grpcPort, spans(), Map.of()).isSuccess()).as("no experiment metadata").isFalse();
            CompletableResultCode unknown = export(grpcPort, spans(), Map.of("x-mlflow-experiment-id", "987654"));
            assertThat(unknown.isSuccess()).as("an unknown experiment is the client's mistake").isFalse();
            assertThat(server.log()).as("not retried as the server's failure").doesNotContain("TraceService/Export failed");
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            assertThat(h2.send(HttpRequest.newBuilder(URI.create(server.url() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).version()).as("the main port declines the h2c upgrade")
                    .isEqualTo(HttpClient.Version.HTTP_1_1);
        }
    }

    @Test
    void withBasicAuth_callsAuthenticateAndNeedUpdateOnTheExperiment() throws Exception {
        int grpcPort = ServerProcess.freePort();
        String admin = "Basic " + Base64.getEncoder().encodeToString("admin:Adm1n-secret-pass".getBytes());
        try (ServerProcess server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(),
                Backends.freshSqlite(), Files.createTempDirectory("grpc-auth").toString(), List.of("-Xmx512m"),
                Map.of("OSPREY_ADMIN_USERNAME", "admin", "OSPREY_ADMIN_PASSWORD", "Adm1n-secret-pass",
                        "OSPREY_AUTH_DEFAULT_PERMISSION", "NO_PERMISSIONS"),
                List.of("--app-name", "basic-auth", "--otlp-grpc-port", String.valueOf(grpcPort))))) {
            String exp = Json.read(send(server.url() + "/api/2.0/mlflow/experiments/create",
                    "{\"name\": \"grpc-auth\"}", admin).body()).get("experiment_id").asText();
            assertThat(send(server.url() + "/api/2.0/mlflow/users/create", "{\"username\": \"bob\", \"password\": "
                    + "\"B0b-secret-password\"}", admin).statusCode()).isEqualTo(200);
            String bob = "Basic " + Base64.getEncoder().encodeToString("bob:B0b-secret-password".getBytes());

            List<SpanData> anonymous = spans();
            assertThat(export(grpcPort, anonymous, Map.of("x-mlflow-experiment-id", exp)).isSuccess())
                    .as("no credentials").isFalse();
            List<SpanData> byBob = spans();
            assertThat(export(grpcPort, byBob, Map.of("x-mlflow-experiment-id", exp, "authorization", bob))
                    .isSuccess()).as("bob has no permission on the experiment").isFalse();
            List<SpanData> byAdmin = spans();
            assertThat(export(grpcPort, byAdmin, Map.of("x-mlflow-experiment-id", exp, "authorization", admin))
                    .isSuccess()).isTrue();
            for (List<SpanData> refused : List.of(anonymous, byBob)) {
                assertThat(send(server.url() + "/api/3.0/mlflow/traces/" + traceId(refused), null, admin)
                        .statusCode()).as("nothing stored for a refused call").isEqualTo(404);
            }
            assertThat(send(server.url() + "/api/3.0/mlflow/traces/" + traceId(byAdmin), null, admin).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void withWorkspaces_spansLandOnlyInTheCallsWorkspace() throws Exception {
        int grpcPort = ServerProcess.freePort();
        try (ServerProcess server = ServerProcess.start(Backends.freshSqlite(), Files.createTempDirectory("grpc-ws"),
                "--enable-workspaces", "--otlp-grpc-port", String.valueOf(grpcPort))) {
            assertThat(send(server.url() + "/api/3.0/mlflow/workspaces", "{\"name\": \"team-a\"}", null).statusCode())
                    .isEqualTo(201);
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(server.url()
                    + "/api/2.0/mlflow/experiments/create")).header("Content-Type", "application/json")
                    .header("X-MLFLOW-WORKSPACE", "team-a").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\": \"ws-grpc\"}")).build(), HttpResponse.BodyHandlers.ofString());
            String exp = Json.read(created.body()).get("experiment_id").asText();

            List<SpanData> inTeam = spans();
            assertThat(export(grpcPort, inTeam, Map.of("x-mlflow-experiment-id", exp, "x-mlflow-workspace", "team-a"))
                    .isSuccess()).isTrue();
            List<SpanData> fromDefault = spans();
            assertThat(export(grpcPort, fromDefault, Map.of("x-mlflow-experiment-id", exp)).isSuccess())
                    .as("the experiment is not in the default workspace").isFalse();
            List<SpanData> unknownWorkspace = spans();
            assertThat(export(grpcPort, unknownWorkspace, Map.of("x-mlflow-experiment-id", exp, "x-mlflow-workspace",
                    "nowhere")).isSuccess()).isFalse();
            HttpRequest.Builder read = HttpRequest.newBuilder().header("X-MLFLOW-WORKSPACE", "team-a");
            assertThat(http.send(read.copy().uri(URI.create(server.url() + "/api/3.0/mlflow/traces/"
                    + traceId(inTeam))).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            for (List<SpanData> refused : List.of(fromDefault, unknownWorkspace)) {
                assertThat(http.send(read.copy().uri(URI.create(server.url() + "/api/3.0/mlflow/traces/"
                        + traceId(refused))).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                        .as("nothing stored for a refused call").isEqualTo(404);
            }
            assertThat(server.log()).as("refusals are the client's mistakes, not retried failures")
                    .doesNotContain("TraceService/Export failed");
        }
    }
}
