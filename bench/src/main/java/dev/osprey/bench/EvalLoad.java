package dev.osprey.bench;

import com.sun.net.httpserver.HttpServer;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Evaluation;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.Judges;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.eval.Scorer;
import dev.osprey.protocol.Json;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * EVAL-1: 1,000 rows x 5 LLM judges against a mock OpenAI-wire model that answers after 50 ms; wall time against the
 * ideal {@code rows x judges x 50 ms / concurrency}. Arguments: rows (default 1000), concurrency (default 50).
 */
public final class EvalLoad {
    private EvalLoad() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        long latencyMs = 50;
        byte[] reply = ("{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"judge\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"rationale\\\": \\\"ok\\\", \\\"result\\\": "
                + "\\\"yes\\\"}\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":200,"
                + "\"completion_tokens\":20,\"total_tokens\":220}}").getBytes(StandardCharsets.UTF_8);
        HttpServer mock = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        mock.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        mock.createContext("/v1/chat/completions", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                Thread.sleep(latencyMs);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, reply.length);
                ex.getResponseBody().write(reply);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        mock.start();
        try {
            JudgeModel model = new OpenAiJudgeModel("http://127.0.0.1:" + mock.getAddress().getPort() + "/v1",
                    Optional.empty(), "judge", Duration.ofSeconds(30));
            List<Scorer> judges = List.of(Judges.correctness(model), Judges.relevanceToQuery(model),
                    Judges.safety(model), Judges.completeness(model), Judges.fluency(model));
            List<EvalItem> items = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                items.add(new EvalItem(Json.object().put("question", "Question " + i + "?"),
                        Json.MAPPER.getNodeFactory().textNode("Answer " + i + "."),
                        Json.object().put("expected_response", "Answer " + i + "."), Optional.empty()));
            }
            Evaluation.run(items.subList(0, Math.min(50, rows)), Optional.empty(), judges, concurrency);
            long started = System.nanoTime();
            Evaluation.Result result = Evaluation.run(items, Optional.empty(), judges, concurrency);
            double wallS = (System.nanoTime() - started) / 1e9;
            double idealS = rows * judges.size() * latencyMs / 1000.0 / concurrency;
            long errors = result.aggregates().values().stream().mapToLong(Evaluation.Aggregate::errors).sum();
            Bench.printTable(List.of(String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.2f | %.0f %% | %d |",
                    rows, judges.size(), concurrency, idealS, wallS, 100 * idealS / wallS, errors)),
                    "rows", "judges", "concurrency", "ideal s", "wall s", "of ideal", "errors");
        } finally {
            mock.stop(0);
        }
    }
}
