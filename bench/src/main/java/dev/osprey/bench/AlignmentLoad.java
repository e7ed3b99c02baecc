package dev.osprey.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ALIGN-1: judge alignment on a labelled set whose people follow a house style the judge's prompt does not know —
 * an answer is acceptable only when it cites its source in square brackets and uses no exclamation mark — with a
 * share of labels flipped (people are not consistent). One scripted model (OpenAI's wire format, a fixed latency per
 * call) plays the judge, the reflection model and the embedding model: the judge accepts any answer unless its prompt
 * states a rule, and then applies the rules it states; the reflection model states the rule a rejected example breaks.
 * Traces go in over OTLP/JSON, people's verdicts as HUMAN assessments; MemAlign and SIMBA run as server jobs through
 * REST and report held-out agreement (accuracy, Cohen's kappa) before and after, and the model calls spent.
 * Arguments: examples (default 200), share of flipped labels (default 0.05).
 */
public final class AlignmentLoad {
    private static final long LATENCY_MS = 5;
    private static final String CITE = "Acceptable answers cite their source in square brackets.";
    private static final String CALM = "Acceptable answers never use exclamation marks.";
    private static final Pattern EXAMPLE = Pattern.compile(
            "\\{\"id\":(\\d+),\"inputs\":\"(?:[^\"\\\\]|\\\\.)*\",\"outputs\":\"((?:[^\"\\\\]|\\\\.)*)\",\"result\":\"(\\w+)\"");

    private AlignmentLoad() {}

    /** Judge, reflection (MemAlign's and SIMBA's prompts), by what is asked. */
    static String reply(JsonNode body) {
        String user = body.path("messages").path(body.path("messages").size() - 1).path("content").asText();
        if (user.contains("Judged examples:")) {
            List<Integer> uncited = new ArrayList<>();
            List<Integer> loud = new ArrayList<>();
            Matcher m = EXAMPLE.matcher(user);
            while (m.find()) {
                if (m.group(3).equals("no")) {
                    if (!m.group(2).contains("[")) {
                        uncited.add(Integer.parseInt(m.group(1)));
                    }
                    if (m.group(2).contains("!")) {
                        loud.add(Integer.parseInt(m.group(1)));
                    }
                }
            }
            ObjectNode out = Json.object();
            var guidelines = out.putArray("guidelines");
            if (!uncited.isEmpty()) {
                uncited.forEach(guidelines.addObject().put("guideline_text", CITE).putArray("source_trace_ids")::add);
            }
            if (!loud.isEmpty()) {
                loud.forEach(guidelines.addObject().put("guideline_text", CALM).putArray("source_trace_ids")::add);
            }
            return out.toString();
        }
        if (user.contains("Write one general rule")) {
            String answer = between(user, "outputs: ", "\n");
            boolean personSaidNo = user.contains("The person said: no");
            String rule = !personSaidNo ? "Judge the substance of the answer."
                    : !answer.contains("[") ? CITE : answer.contains("!") ? CALM : "Be strict.";
            return "{\"rule\": \"" + rule + "\"}";
        }
        String answer = between(user, "Answer: ", "\n");
        boolean ok = (!user.contains("square brackets") || answer.contains("["))
                && (!user.contains("exclamation marks") || !answer.contains("!"));
        return "{\"result\": \"" + (ok ? "yes" : "no") + "\", \"rationale\": \"" + (ok ? "acceptable"
                : "breaks a rule") + "\"}";
    }

    private static String between(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0) {
            return "";
        }
        int end = text.indexOf(to, at + from.length());
        return text.substring(at + from.length(), end < 0 ? text.length() : end);
    }

    /** Words hashed into 64 dimensions: answers on the same topic are near. */
    static double[] embedding(String text) {
        double[] v = new double[64];
        for (String w : text.toLowerCase(Locale.ROOT).split("\\W+")) {
            if (!w.isEmpty()) {
                v[Math.floorMod(w.hashCode(), 64)] += 1;
            }
        }
        return v;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        double noise = args.length > 1 ? Double.parseDouble(args[1]) : 0.05;
        try (ScriptedOpenAi model = new ScriptedOpenAi(AlignmentLoad::reply, AlignmentLoad::embedding, LATENCY_MS);
                OspreyServer server = Bench.serverWithGateway("align")) {
            String base = server.baseUrl();
            model.addEndpoint(base, "llm");
            String exp = Json.read(Bench.post(base + "/api/2.0/mlflow/experiments/create", "{\"name\": \"align\"}"))
                    .path("experiment_id").asText();
            String judge = Json.object().put("name", "style").set("instructions_judge_pydantic_data", Json.object()
                    .put("instructions", "Judge whether the support answer is acceptable.\nQuestion: {{ inputs }}\n"
                            + "Answer: {{ outputs }}").put("model", "gateway:/llm")).toString();
            Bench.post(base + "/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", exp)
                    .put("name", "style").put("serialized_scorer", judge).toString());
            Random random = new Random(7);
            String[] topics = {"refunds", "shipping", "passwords", "invoices", "returns", "warranty", "billing",
                "accounts"};
            HttpClient http = HttpClient.newHttpClient();
            int acceptable = 0;
            for (int i = 0; i < n; i++) {
                String topic = topics[i % topics.length];
                boolean cites = random.nextBoolean();
                boolean loud = random.nextDouble() < 0.3;
                String answer = "The " + topic + " policy covers case " + i + (loud ? "!" : ".")
                        + (cites ? " [help-center/" + topic + "]" : "");
                boolean label = cites && !loud;
                if (random.nextDouble() < noise) {
                    label = !label;
                }
                acceptable += label ? 1 : 0;
                String traceId = trace(http, base, exp, "How do " + topic + " work for case " + i + "?", answer);
                ObjectNode a = Json.object().put("assessment_name", "style");
                a.putObject("source").put("source_type", "HUMAN").put("source_id", "support-lead");
                a.putObject("feedback").put("value", label);
                Bench.post(base + "/api/3.0/mlflow/traces/" + traceId + "/assessments",
                        Json.object("assessment", a).toString());
            }
            System.out.printf(Locale.ROOT, "%d examples, %.0f%% labelled acceptable, %.0f%% of labels flipped%n", n,
                    100.0 * acceptable / n, 100 * noise);
            List<String> table = new ArrayList<>();
            for (String optimizer : List.of("memalign", "simba")) {
                ObjectNode request = Json.object().put("experiment_id", exp).put("name", "style")
                        .put("holdout_fraction", 0.3);
                request.putObject("optimizer").put("type", optimizer).put("embedding_model", "gateway:/llm")
                        .put("embedding_dim", 64).put("max_steps", 8).put("batch_size", 10);
                model.resetCalls();
                long started = System.nanoTime();
                String jobId = Json.read(Bench.post(base + "/api/3.0/osprey/scorers/align", request.toString()))
                        .at("/job/job_id").asText();
                JsonNode job;
                do {
                    Thread.sleep(50);
                    job = Json.read(Bench.get(base + "/api/3.0/osprey/scorers/align/" + jobId)).path("job");
                } while (List.of("PENDING", "RUNNING").contains(job.path("status").asText()));
                double wallS = (System.nanoTime() - started) / 1e9;
                JsonNode r = job.path("result");
                if (!job.path("status").asText().equals("SUCCEEDED")) {
                    throw new IllegalStateException("alignment failed: " + job);
                }
                table.add(String.format(Locale.ROOT, "| %s | %d / %d | %.1f %% | %.2f | %.1f %% | %.2f | %d | %d | %d "
                        + "| %.1f |", optimizer, r.path("train_count").asInt(), r.path("held_out_count").asInt(),
                        100 * r.at("/base_agreement/accuracy").asDouble(), r.at("/base_agreement/cohen_kappa")
                                .asDouble(), 100 * r.at("/aligned_agreement/accuracy").asDouble(),
                        r.at("/aligned_agreement/cohen_kappa").asDouble(), r.at("/model_calls/judge").asLong(),
                        r.at("/model_calls/reflection").asLong(), model.calls(), wallS));
            }
            Bench.printTable(table, "optimizer", "train / held out", "base agreement", "base kappa",
                    "aligned agreement", "aligned kappa", "judge calls", "reflection calls",
                    "provider calls (incl. embeddings)", "wall s");
        }
    }

    /** One trace over OTLP/JSON: a root span with MLflow's inputs and outputs attributes. */
    private static String trace(HttpClient http, String base, String experimentId, String question, String answer)
            throws Exception {
        byte[] id = new byte[16];
        new Random().nextBytes(id);
        String traceId = HexFormat.of().formatHex(id);
        long now = System.currentTimeMillis() * 1_000_000;
        ObjectNode span = Json.object().put("traceId", traceId).put("spanId", traceId.substring(0, 16))
                .put("name", "support").put("startTimeUnixNano", Long.toString(now))
                .put("endTimeUnixNano", Long.toString(now + 1_000_000));
        var attributes = span.putArray("attributes");
        attributes.addObject().put("key", "mlflow.spanInputs").putObject("value").put("stringValue",
                Json.writeString(Json.object().put("question", question)));
        attributes.addObject().put("key", "mlflow.spanOutputs").putObject("value").put("stringValue",
                Json.writeString(Json.object().textNode(answer)));
        ObjectNode body = Json.object();
        body.putArray("resourceSpans").addObject().putArray("scopeSpans").addObject().putArray("spans").add(span);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/traces"))
                .header("Content-Type", "application/json").header("x-mlflow-experiment-id", experimentId)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("OTLP export failed: " + r.statusCode() + " " + r.body());
        }
        return "tr-" + traceId;
    }
}
