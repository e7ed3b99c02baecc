package dev.osprey.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The tracing SDK's spans as an exporter receives them: nesting, conventions, errors, threads, propagation. */
class TracingTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    private List<SpanData> finished(Tracing tracing) {
        tracing.flush(Duration.ofSeconds(5));
        return exporter.getFinishedSpanItems();
    }

    private static SpanData named(List<SpanData> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void nestedSpans_carryMlflowConventions() {
        try (Tracing tracing = Tracing.toExporter(exporter)) {
            String answer = tracing.span("agent", SpanType.AGENT, agent -> {
                agent.setInputs(Map.of("question", "why?"));
                String out = tracing.span("llm", SpanType.LLM, llm -> {
                    llm.setModel("gpt-4o-mini").setTokenUsage(12, 3);
                    return "because";
                });
                agent.setOutputs(out);
                return out;
            });
            assertThat(answer).isEqualTo("because");
            List<SpanData> spans = finished(tracing);
            SpanData agent = named(spans, "agent");
            SpanData llm = named(spans, "llm");
            assertThat(llm.getParentSpanId()).isEqualTo(agent.getSpanId());
            assertThat(llm.getTraceId()).isEqualTo(agent.getTraceId());
            assertThat(attr(agent, "mlflow.spanType")).isEqualTo("\"AGENT\"");
            assertThat(attr(agent, "mlflow.spanInputs")).isEqualTo("{\"question\":\"why?\"}");
            assertThat(attr(agent, "mlflow.spanOutputs")).isEqualTo("\"because\"");
            assertThat(attr(llm, "mlflow.chat.tokenUsage"))
                    .isEqualTo("{\"input_tokens\": 12, \"output_tokens\": 3, \"total_tokens\": 15}");
            assertThat(attr(llm, "mlflow.llm.model")).isEqualTo("\"gpt-4o-mini\"");
            assertThat(agent.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        }
    }

    @Test
    void aFailingBody_marksTheSpanError_andRethrows() {
        try (Tracing tracing = Tracing.toExporter(exporter)) {
            assertThatThrownBy(() -> tracing.span("tool", SpanType.TOOL, s -> {
                throw new IllegalStateException("search timed out");
            })).isInstanceOf(IllegalStateException.class);
            SpanData tool = named(finished(tracing), "tool");
            assertThat(tool.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(tool.getStatus().getDescription()).isEqualTo("search timed out");
            assertThat(tool.getEvents()).extracting(e -> e.getName()).contains("exception");
        }
    }

    interface Retriever {
        @Traced(type = SpanType.RETRIEVER)
        List<String> search(String query, int limit);

        String untraced();
    }

    @Test
    void tracedProxy_recordsArgumentsAndResult() {
        try (Tracing tracing = Tracing.toExporter(exporter)) {
            Retriever plain = new Retriever() {
                @Override
                public List<String> search(String query, int limit) {
                    return List.of("doc-1", "doc-2").subList(0, limit);
                }

                @Override
                public String untraced() {
                    return "x";
                }
            };
            Retriever retriever = tracing.traced(Retriever.class, plain);
            assertThat(retriever.search("osprey", 1)).containsExactly("doc-1");
            assertThat(retriever.untraced()).isEqualTo("x");
            List<SpanData> spans = finished(tracing);
            assertThat(spans).hasSize(1);
            SpanData span = spans.get(0);
            assertThat(span.getName()).isEqualTo("search");
            assertThat(attr(span, "mlflow.spanType")).isEqualTo("\"RETRIEVER\"");
            assertThat(attr(span, "mlflow.spanInputs")).isEqualTo("{\"query\":\"osprey\",\"limit\":1}");
            assertThat(attr(span, "mlflow.spanOutputs")).isEqualTo("[\"doc-1\"]");
        }
    }

    @Test
    void contextFollowsWorkOntoOtherThreads_andIntoOtherServices() throws Exception {
        try (Tracing tracing = Tracing.toExporter(exporter)) {
            ExecutorService pool = Tracing.propagating(Executors.newFixedThreadPool(2));
            Map<String, String> outgoing = new HashMap<>();
            tracing.span("request", SpanType.CHAIN, root -> {
                try {
                    pool.submit(() -> tracing.span("worker", SpanType.TOOL, s -> "done")).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Tracing.inject(outgoing::put);
                return null;
            });
            pool.shutdown();
            // The "other service": continues the trace from the traceparent header it received.
            tracing.continueTrace(Map.of("TraceParent", outgoing.get("traceparent")),
                    t -> t.span("downstream", SpanType.LLM, s -> "ok"));
            List<SpanData> spans = finished(tracing);
            SpanData root = named(spans, "request");
            assertThat(named(spans, "worker").getParentSpanId()).isEqualTo(root.getSpanId());
            assertThat(named(spans, "downstream").getParentSpanId()).isEqualTo(root.getSpanId());
            assertThat(named(spans, "downstream").getTraceId()).isEqualTo(root.getTraceId());
            assertThat(outgoing.get("traceparent")).startsWith("00-" + root.getTraceId() + "-");
        }
    }

    /** Two services over a real socket: the client side injects traceparent, the server filter continues it. */
    @Test
    void traceparentCrossesARealHttpHop() throws Exception {
        try (Tracing tracing = Tracing.toExporter(exporter)) {
            com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/answer", exchange -> {
                String body = tracing.span("lookup", SpanType.RETRIEVER, s -> "42");
                byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(exchange.getRequestURI().getQuery() == null ? 200 : 503, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            }).getFilters().add(tracing.serverFilter());
            server.start();
            try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/answer";
                String answer = tracing.spanChecked("caller", SpanType.AGENT, () -> http.send(Tracing.propagate(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(base))).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                assertThat(answer).isEqualTo("42");
                http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "?fail")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } finally {
                server.stop(0);
            }
            List<SpanData> spans = finished(tracing);
            SpanData caller = named(spans, "caller");
            List<SpanData> served = spans.stream().filter(s -> s.getName().equals("GET /answer")).toList();
            assertThat(served).hasSize(2);
            SpanData continued = served.stream().filter(s -> s.getParentSpanId().equals(caller.getSpanId()))
                    .findFirst().orElseThrow();
            assertThat(continued.getTraceId()).isEqualTo(caller.getTraceId());
            assertThat(continued.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.OK);
            assertThat(spans.stream().filter(s -> s.getName().equals("lookup")).map(SpanData::getParentSpanId))
                    .as("the handler's spans are children of the exchange's span")
                    .containsExactlyInAnyOrder(served.get(0).getSpanId(), served.get(1).getSpanId());
            SpanData failed = served.stream().filter(s -> s != continued).findFirst().orElseThrow();
            assertThat(failed.getTraceId()).as("no traceparent: a new trace").isNotEqualTo(caller.getTraceId());
            assertThat(failed.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        }
    }
}
