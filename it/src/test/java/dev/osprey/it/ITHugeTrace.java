package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A 100,000-span trace goes in over OTLP and comes back whole from a server with a 256 MiB heap. */
class ITHugeTrace {
    private static final int SPANS = 100_000;
    private static final int PER_REQUEST = 5_000;

    private static byte[] spanId(long n) {
        return ByteBuffer.allocate(8).putLong(n + 1).array();
    }

    @Test
    void hundredThousandSpans_throughA256MibHeap() throws Exception {
        Path dir = Files.createTempDirectory("osprey-huge-trace");
        try (ServerProcess server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(),
                "sqlite:///" + dir + "/osprey.db", dir.resolve("artifacts").toString(), List.of("-Xmx256m"), Map.of(),
                List.of()))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            byte[] traceId = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef");
            for (int from = SPANS - PER_REQUEST; from >= 0; from -= PER_REQUEST) {
                ScopeSpans.Builder scope = ScopeSpans.newBuilder();
                for (int i = from; i < from + PER_REQUEST; i++) {
                    Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                            .setSpanId(ByteString.copyFrom(spanId(i))).setName("step-" + i)
                            .setStartTimeUnixNano(1_000_000_000L + i).setEndTimeUnixNano(2_000_000_000L + i)
                            .addAttributes(KeyValue.newBuilder().setKey("mlflow.spanInputs").setValue(
                                    AnyValue.newBuilder().setStringValue("{\"i\": " + i + "}")));
                    if (i > 0) {
                        span.setParentSpanId(ByteString.copyFrom(spanId(0)));
                    }
                    scope.addSpans(span);
                }
                byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                        .addScopeSpans(scope)).build().toByteArray();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/traces"))
                        .header("Content-Type", "application/x-protobuf").header("x-mlflow-experiment-id", "0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            HttpResponse<InputStream> trace = http.send(HttpRequest.newBuilder(URI.create(server.url()
                    + "/api/3.0/mlflow/traces/get?trace_id=tr-0123456789abcdef0123456789abcdef")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(trace.statusCode()).isEqualTo(200);
            int spans = 0;
            String firstName = null;
            try (InputStream in = trace.body(); JsonParser parser = Json.MAPPER.getFactory().createParser(in)) {
                while (parser.nextToken() != null) {
                    if (parser.currentToken() == JsonToken.FIELD_NAME && parser.currentName().equals("spans")) {
                        parser.nextToken();
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            // Stream through the spans: the client must not hold 100,000 of them either.
                            while (parser.nextToken() != JsonToken.END_OBJECT) {
                                String field = parser.currentName();
                                parser.nextToken();
                                if (spans == 0 && "name".equals(field)) {
                                    firstName = parser.getText();
                                }
                                parser.skipChildren();
                            }
                            spans++;
                        }
                    }
                }
            }
            assertThat(spans).isEqualTo(SPANS);
            assertThat(firstName).as("the root comes first").isEqualTo("step-0");
            assertThat(server.log()).doesNotContain("OutOfMemoryError");
        }
    }
}
