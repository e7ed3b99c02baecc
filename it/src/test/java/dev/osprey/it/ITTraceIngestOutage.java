package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import dev.osprey.storesql.BackendUri;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The database failing under a running server (the jar on PostgreSQL): a table renamed away, then the database
 * refusing every connection. OTLP ingest must answer 503 with {@code Retry-After} (never a 4xx, which exporters
 * treat as permanent), every other route family 500 {@code INTERNAL_ERROR} with a request id and no SQL or class
 * names, the server log must hold the cause under the same request id, and spans an exporter sent during the outage
 * must all be stored once the database is back (the exporter's own retry), over OTLP/HTTP and OTLP/gRPC alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITTraceIngestOutage {
    private static final List<String> LEAKS = List.of("SQL", "select ", "relation", "spans_away", "org.", "java.",
            "Exception", "FATAL", "postgres", "at dev.");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String database = "osprey_outage_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current()
            .nextInt());
    private BackendUri admin;
    private ServerProcess server;
    private String experiment;
    private String runId;
    private String storedTrace;
    private int grpcPort;

    @BeforeAll
    void start() throws Exception {
        admin = BackendUri.parse(Backends.postgres());
        sql(admin.jdbcUrl(), "CREATE DATABASE " + database);
        String base = Backends.postgres();
        String uri = base.substring(0, base.lastIndexOf('/') + 1) + database;
        grpcPort = ServerProcess.freePort();
        server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(), uri,
                Files.createTempDirectory("osprey-outage").toString(),
                List.of("-Xmx512m", "-Dosprey.db.connection-timeout-ms=1000"), Map.of(),
                List.of("--otlp-grpc-port", String.valueOf(grpcPort))));
        experiment = post("/api/2.0/mlflow/experiments/create", "{\"name\": \"outage\"}").get("experiment_id")
                .asText();
        runId = post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + experiment + "\"}")
                .at("/run/info/run_id").asText();
        List<SpanData> before = trace("before-outage", 3);
        assertThat(exporter().export(before).join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
        storedTrace = "tr-" + before.get(0).getTraceId();
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        sql(admin.jdbcUrl(), "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        sql(admin.jdbcUrl(), "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    private void sql(String jdbcUrl, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, admin.user(), admin.password());
                Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private String outageDbJdbc() {
        return admin.jdbcUrl().substring(0, admin.jdbcUrl().lastIndexOf('/') + 1) + database;
    }

    private JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    private OtlpHttpSpanExporter exporter() {
        return OtlpHttpSpanExporter.builder().setEndpoint(server.url() + "/v1/traces")
                .addHeader("x-mlflow-experiment-id", experiment)
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(5).setInitialBackoff(Duration.ofSeconds(1))
                        .setMaxBackoff(Duration.ofSeconds(3)).setBackoffMultiplier(2).build())
                .build();
    }

    private io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter grpcExporter() {
        return io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + grpcPort).addHeader("x-mlflow-experiment-id", experiment)
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(5).setInitialBackoff(Duration.ofSeconds(1))
                        .setMaxBackoff(Duration.ofSeconds(3)).setBackoffMultiplier(2).build())
                .build();
    }

    /** A finished trace of {@code spans} spans as the SDK hands it to its exporter, the root first. */
    private static List<SpanData> trace(String name, int spans) {
        String traceId = HexFormat.of().formatHex(randomBytes(16));
        String rootId = HexFormat.of().formatHex(randomBytes(8));
        long start = System.currentTimeMillis() * 1_000_000L;
        List<SpanData> out = new ArrayList<>();
        for (int i = 0; i < spans; i++) {
            String spanId = i == 0 ? rootId : HexFormat.of().formatHex(randomBytes(8));
            out.add(TestSpanData.builder()
                    .setSpanContext(SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()))
                    .setParentSpanContext(i == 0 ? SpanContext.getInvalid() : SpanContext.create(traceId, rootId,
                            TraceFlags.getSampled(), TraceState.getDefault()))
                    .setName(i == 0 ? name : "step-" + i).setKind(SpanKind.INTERNAL)
                    .setStartEpochNanos(start + i).setEndEpochNanos(start + 1_000_000L)
                    .setAttributes(Attributes.builder().put("gen_ai.operation.name", i == 0 ? "invoke_agent" : "chat")
                            .build())
                    .setStatus(StatusData.ok()).setHasEnded(true).setTotalRecordedEvents(0).setTotalRecordedLinks(0)
                    .setTotalAttributeCount(1).setResource(Resource.empty())
                    .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("outage-test")).build());
        }
        return out;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1; // never all zeros (an invalid id)
        return b;
    }

    /** An OTLP/JSON export of one small trace, sent by hand so the answer itself can be checked. */
    private HttpResponse<String> rawOtlp() throws Exception {
        String traceId = HexFormat.of().formatHex(randomBytes(16));
        String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + traceId + "\",\"spanId\":\""
                + HexFormat.of().formatHex(randomBytes(8)) + "\",\"name\":\"raw\",\"startTimeUnixNano\":\"1\","
                + "\"endTimeUnixNano\":\"2\"}]}]}]}";
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/traces"))
                .header("Content-Type", "application/json").header("x-mlflow-experiment-id", experiment)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postRaw(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void assertRetryableOtlp(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        assertPrivate(r);
    }

    /** 500 INTERNAL_ERROR naming a request id that the server log has with the cause. */
    private void assertInternalError(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.uri() + " " + r.body()).isEqualTo(500);
        assertThat(Json.read(r.body()).get("error_code").asText()).isEqualTo("INTERNAL_ERROR");
        assertPrivate(r);
    }

    private void assertPrivate(HttpResponse<String> r) throws Exception {
        for (String leak : LEAKS) {
            assertThat(r.body()).as(r.uri() + " leaks " + leak).doesNotContain(leak);
        }
        String id = r.headers().firstValue("X-Request-Id").orElseThrow(() -> new AssertionError(
                "no request id on " + r.uri()));
        assertThat(r.body()).contains(id);
        String log = server.log();
        assertThat(log).contains("Request " + id);
        assertThat(log.substring(log.indexOf("Request " + id))).as("the cause is logged with the request id")
                .containsAnyOf("SQL", "Connection", "relation");
    }

    @Test
    void aTableRenamedAway_otlpIsRetryable_readsArePrivate_andNothingIsLostAfterwards() throws Exception {
        sql(outageDbJdbc(), "ALTER TABLE spans RENAME TO spans_away");
        try {
            assertRetryableOtlp(rawOtlp());
            assertInternalError(get("/api/3.0/mlflow/traces/get?trace_id=" + storedTrace));
            assertInternalError(get("/ajax-api/2.0/mlflow/get-trace-artifact?request_id=" + storedTrace));
            assertInternalError(postRaw("/api/3.0/mlflow/traces/search", "{\"locations\": [{\"type\": "
                    + "\"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], "
                    + "\"filter\": \"span.name = 'x'\"}"));
        } finally {
            sql(outageDbJdbc(), "ALTER TABLE spans_away RENAME TO spans");
        }
        assertThat(rawOtlp().statusCode()).isEqualTo(200);
        assertThat(get("/api/3.0/mlflow/traces/get?trace_id=" + storedTrace).statusCode()).isEqualTo(200);
    }

    @Test
    void theDatabaseRefusingConnections_everyRouteFamilyAnswersAsTheServersFailure_andTheExporterRetryDelivers()
            throws Exception {
        List<SpanData> during = trace("during-outage", 4);
        List<SpanData> duringByGrpc = trace("during-outage-grpc", 2);
        sql(admin.jdbcUrl(), "ALTER DATABASE " + database + " ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
        CompletableResultCode export;
        CompletableResultCode grpcExport;
        try {
            assertRetryableOtlp(rawOtlp());
            assertInternalError(postRaw("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experiment
                    + "\"]}"));
            assertInternalError(get("/api/2.0/mlflow/registered-models/search"));
            assertInternalError(postRaw("/api/3.0/mlflow/traces/search", "{\"locations\": [{\"type\": "
                    + "\"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}]}"));
            assertInternalError(get("/api/3.0/mlflow/traces/get?trace_id=" + storedTrace));
            assertInternalError(get("/get-artifact?run_id=" + runId + "&path=model/MLmodel"));
            assertInternalError(get("/api/2.0/mlflow/experiments/get?experiment_id=" + experiment));
            export = exporter().export(during); // the SDK's exporter, retrying on 503 with backoff
            grpcExport = grpcExporter().export(duringByGrpc); // and over gRPC, retrying on UNAVAILABLE
            Thread.sleep(2_500);
            assertThat(export.isDone()).as("the exporter is still retrying, not dropping").isFalse();
            assertThat(grpcExport.isDone()).as("the gRPC exporter too").isFalse();
        } finally {
            sql(admin.jdbcUrl(), "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }
        assertThat(export.join(30, TimeUnit.SECONDS).isSuccess()).as("delivered after the outage").isTrue();
        assertThat(grpcExport.join(30, TimeUnit.SECONDS).isSuccess()).as("over gRPC too").isTrue();
        assertThat(Json.read(get("/api/3.0/mlflow/traces/get?trace_id=tr-" + duringByGrpc.get(0).getTraceId())
                .body()).at("/trace/spans")).hasSize(2);
        String traceId = "tr-" + during.get(0).getTraceId();
        JsonNode trace = Json.read(get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).body()).get("trace");
        assertThat(trace.get("spans")).hasSize(4);
        assertThat(trace.at("/trace_info/state").asText()).isEqualTo("OK");
        assertThat(trace.at("/trace_info/tags/mlflow.traceName").asText()).isEqualTo("during-outage");
    }
}
