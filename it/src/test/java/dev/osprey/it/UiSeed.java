package dev.osprey.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.ImageIO;

/**
 * The data the web UI's end-to-end flows look at, written through the server's public APIs only (REST, OTLP, the
 * artifact proxy, the gateway) — the same way MLflow clients would. Returns the ids the flows navigate to.
 */
final class UiSeed {
    static final int RUNS = 1_500;
    static final int BIG_TRACE_CHILDREN = 3_000;

    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectNode seed = Json.object();

    UiSeed(String base) {
        this.base = base;
    }

    ObjectNode seed(String mockProviderUrl) throws Exception {
        experiments();
        runsTable();
        runDetail();
        registry();
        prompts();
        traces();
        evaluations();
        gateway(mockProviderUrl);
        judges();
        optimization();
        simulation();
        return seed;
    }

    /**
     * The mock provider's judge and reflection model for the judges flow (other calls get the echo): people call an
     * answer concise when it is under 25 characters; the judge only minds length once its prompt says so, and the
     * reflection model says so when it sees their verdicts.
     */
    static String model(JsonNode body) {
        String system = body.path("messages").path(0).path("content").asText();
        String user = body.path("messages").path(body.path("messages").size() - 1).path("content").asText();
        if (user.contains("Judged examples:")) {
            return "{\"guidelines\": [{\"guideline_text\": \"Concise answers are under 25 characters.\", "
                    + "\"source_trace_ids\": [0]}]}";
        }
        if (user.contains("Improve the prompt template")) {
            return "{\"ui-greet\": \"Always answer in French. Answer this: {{question}}\"}";
        }
        if (system.contains("role-play")) {
            return user.contains("Conversation so far:") ? "And when do you close?" : "What time do you open?";
        }
        if (system.contains("reached its user's goal")) {
            boolean closing = user.contains("close at 6");
            return "{\"result\": \"" + (closing ? "yes" : "no") + "\", \"rationale\": \"" + (closing
                    ? "both hours given" : "the closing time is missing") + "\"}";
        }
        if (system.contains("reusable test cases")) {
            return "{\"goal\": \"Find the opening hours\", \"persona\": \"You are in a hurry.\", "
                    + "\"expected_outcome\": \"the opening and closing hours\"}";
        }
        if (body.path("messages").path(0).path("role").asText().equals("user") && user.contains("open")) {
            return "We open at 9.";
        }
        if (body.path("messages").path(0).path("role").asText().equals("user") && user.contains("close?")) {
            return "We close at 6.";
        }
        if (system.contains("impartial evaluator") && user.contains("Did the assistant answer")) {
            return "{\"result\": \"yes\", \"rationale\": \"it answered every question\"}";
        }
        if (!system.contains("impartial evaluator")) {
            // The optimized prompt's model: it answers in French only when the prompt says so.
            return user.contains("Always answer in French.") ? "Bonjour" : null;
        }
        if (user.contains("a correct answer")) {
            boolean french = user.contains("Bonjour");
            return "{\"result\": \"" + (french ? "yes" : "no") + "\", \"rationale\": \"" + (french ? "in French"
                    : "not in French") + "\"}";
        }
        int at = user.indexOf("Answer: ");
        int end = at < 0 ? -1 : user.indexOf('\n', at);
        String answer = at < 0 ? "" : user.substring(at + 8, end < 0 ? user.length() : end);
        boolean ok = !user.contains("under 25 characters") || answer.length() < 25;
        return "{\"result\": \"" + (ok ? "yes" : "no") + "\", \"rationale\": \"" + (ok ? "fine" : "too long")
                + "\"}";
    }

    /**
     * A prompt whose model answers in French only when told to, a dataset of three questions expecting French and a
     * judge that knows it: the optimization page's material.
     */
    private void optimization() throws Exception {
        String id = experiment("ui-optimize");
        seed.put("optimizationExperiment", id);
        ObjectNode create = Json.object().put("name", "ui-greetings");
        create.putArray("experiment_ids").add(id);
        String dataset = post("/api/3.0/mlflow/datasets/create", create).at("/dataset/dataset_id").asText();
        ArrayNode records = Json.MAPPER.createArrayNode();
        for (String q : List.of("Say hello", "Greet the user", "Welcome me")) {
            ObjectNode r = records.addObject();
            r.putObject("inputs").put("question", q);
            r.putObject("expectations").put("expected_response", "Bonjour");
        }
        post("/api/3.0/mlflow/datasets/" + dataset + "/records", Json.object().put("records", records.toString()));
        String judge = Json.object().put("name", "french").set("instructions_judge_pydantic_data", Json.object()
                .put("instructions", "Is {{ outputs }} a correct answer to {{ inputs }}?").put("model",
                        "gateway:/ui-chat")).toString();
        post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", id).put("name", "french")
                .put("serialized_scorer", judge));
        ObjectNode prompt = Json.object().put("name", "ui-greet");
        kv(prompt.putArray("tags"), "mlflow.prompt.is_prompt", "true");
        post("/api/2.0/mlflow/registered-models/create", prompt);
        ObjectNode version = Json.object().put("name", "ui-greet").put("source", "dummy-source");
        ArrayNode tags = version.putArray("tags");
        kv(tags, "mlflow.prompt.is_prompt", "true");
        kv(tags, "mlflow.prompt.text", "Answer this: {{question}}");
        kv(tags, "_mlflow_prompt_type", "text");
        kv(tags, "_mlflow_prompt_model_config", "{\"provider\": \"gateway\", \"model_name\": \"ui-chat\"}");
        post("/api/2.0/mlflow/model-versions/create", version);
    }

    /**
     * The simulations page's material: a dataset of two test cases, a session judge, and a real session to distill.
     * The agent is the gateway endpoint (the mock answers the opening and closing hours).
     */
    private void simulation() throws Exception {
        String id = experiment("ui-simulate");
        seed.put("simulationExperiment", id);
        ObjectNode create = Json.object().put("name", "ui-sim-cases");
        create.putArray("experiment_ids").add(id);
        String dataset = post("/api/3.0/mlflow/datasets/create", create).at("/dataset/dataset_id").asText();
        ArrayNode records = Json.MAPPER.createArrayNode();
        records.addObject().putObject("inputs").put("goal", "Learn the opening hours").put("persona",
                "A shopper in a hurry");
        ObjectNode second = records.addObject().putObject("inputs").put("goal", "Plan a visit before closing");
        second.putObject("expectations").put("expected_facts", "closes at 6");
        post("/api/3.0/mlflow/datasets/" + dataset + "/records", Json.object().put("records", records.toString()));
        String judge = Json.object().put("name", "answered").set("instructions_judge_pydantic_data", Json.object()
                .put("instructions", "Did the assistant answer every question in {{ conversation }}?")
                .put("model", "gateway:/ui-chat")).toString();
        post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", id).put("name", "answered")
                .put("serialized_scorer", judge));
        chatTrace(id, "Are you open on Sunday?", "Yes, from 10.", "real-session-1", true, 120_000);
    }

    /** Ten answers people labelled for concision, a judge named as their feedback, one unlabelled trace to label. */
    private void judges() throws Exception {
        String id = experiment("ui-judges");
        seed.put("judgesExperiment", id);
        for (int i = 0; i < 10; i++) {
            boolean shortAnswer = i % 2 == 0;
            String answer = shortAnswer ? "Yes, " + i + "." : "Well, that depends on a great many things, " + i + ".";
            byte[] traceId = id(16);
            long start = (System.currentTimeMillis() - (i + 20) * 60_000L) * 1_000_000L;
            String traceIdText = export(id, List.of(span(traceId, id(8), null, "answer", "CHAIN", start, 1_000_000L,
                    true).addAttributes(attribute("mlflow.spanInputs", "{\"question\": \"Question " + i + "?\"}"))
                    .addAttributes(attribute("mlflow.spanOutputs", Json.writeString(Json.object().textNode(answer))))
                    .build()));
            ObjectNode a = Json.object();
            ObjectNode body = a.putObject("assessment").put("assessment_name", "concise").put("trace_id", traceIdText);
            body.putObject("source").put("source_type", "HUMAN").put("source_id", "reviewer");
            body.putObject("feedback").put("value", shortAnswer);
            post("/api/3.0/mlflow/traces/" + traceIdText + "/assessments", a);
        }
        String judge = Json.object().put("name", "concise").set("instructions_judge_pydantic_data", Json.object()
                .put("instructions", "Is the answer concise?\nQuestion: {{ inputs }}\nAnswer: {{ outputs }}")
                .put("model", "gateway:/ui-chat")).toString();
        post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", id).put("name", "concise")
                .put("serialized_scorer", judge));
    }

    // --- HTTP

    JsonNode call(String method, String path, JsonNode body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return r.body().isEmpty() ? Json.object() : Json.read(r.body());
    }

    private JsonNode post(String path, JsonNode body) throws Exception {
        return call("POST", path, body);
    }

    private void put(String path, byte[] bytes) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("PUT " + path + " -> " + r.statusCode() + ": " + r.body());
        }
    }

    private String experiment(String name) throws Exception {
        return post("/api/2.0/mlflow/experiments/create", Json.object().put("name", name)).path("experiment_id")
                .asText();
    }

    private JsonNode run(String experimentId, String name) throws Exception {
        return post("/api/2.0/mlflow/runs/create", Json.object().put("experiment_id", experimentId)
                .put("run_name", name).put("start_time", System.currentTimeMillis())).path("run").path("info");
    }

    private void finish(String runId) throws Exception {
        post("/api/2.0/mlflow/runs/update", Json.object().put("run_id", runId).put("status", "FINISHED")
                .put("end_time", System.currentTimeMillis()));
    }

    private static ObjectNode kv(ArrayNode array, String key, String value) {
        return array.addObject().put("key", key).put("value", value);
    }

    // --- pages

    private void experiments() throws Exception {
        ObjectNode e = seed.putObject("experiments");
        e.put("alpha", "ui-alpha");
        e.put("beta", "ui-beta");
        experiment("ui-alpha");
        experiment("ui-beta");
    }

    /** 1,500 runs: more than one page of 1,000, so the table must fetch the next page as it scrolls. */
    private void runsTable() throws Exception {
        String id = experiment("ui-runs");
        seed.put("runsExperiment", id);
        seed.put("runCount", RUNS);
        long now = System.currentTimeMillis();
        for (int i = 0; i < RUNS; i++) {
            String runId = run(id, String.format("run-%04d", i)).path("run_id").asText();
            ObjectNode batch = Json.object().put("run_id", runId);
            ArrayNode params = batch.putArray("params");
            kv(params, "lr", Double.toString((i % 5) / 10.0));
            kv(params, "depth", Integer.toString(i % 7));
            ArrayNode metrics = batch.putArray("metrics");
            metrics.addObject().put("key", "rmse").put("value", i / (double) RUNS).put("timestamp", now).put("step", 0);
            metrics.addObject().put("key", "acc").put("value", 1 - i / (double) RUNS).put("timestamp", now)
                    .put("step", 0);
            kv(batch.putArray("tags"), "team", i % 2 == 0 ? "red" : "blue");
            post("/api/2.0/mlflow/runs/log-batch", batch);
        }
    }

    private void runDetail() throws Exception {
        String id = experiment("ui-detail");
        seed.put("detailExperiment", id);
        JsonNode info = run(id, "detail-run");
        String runId = info.path("run_id").asText();
        seed.put("detailRun", runId);
        logHistory(runId, 0.01, "adam");
        // Artifacts through the proxy, under the run's mlflow-artifacts: root.
        String root = info.path("artifact_uri").asText().replaceFirst("^mlflow-artifacts:/", "");
        String proxy = "/api/2.0/mlflow-artifacts/artifacts/" + root + "/";
        put(proxy + "notes.txt", "Trained on the ui seed.\nSecond line.".getBytes());
        put(proxy + "metrics.json", "{\"auc\": 0.91, \"classes\": [\"a\", \"b\"]}".getBytes());
        put(proxy + "table.csv", "name,score\n\"Smith, Ann\",3\nBob,5\n".getBytes());
        put(proxy + "plots/curve.png", png());
        ObjectNode inputs = Json.object().put("run_id", runId);
        ObjectNode dataset = inputs.putArray("datasets").addObject();
        kv(dataset.putArray("tags"), "mlflow.data.context", "training");
        dataset.putObject("dataset").put("name", "ui-train-set").put("digest", "abc123").put("source_type", "local")
                .put("source", "{\"uri\": \"/data/train.csv\"}");
        post("/api/2.0/mlflow/runs/log-inputs", inputs);
        finish(runId);
        List<String> compare = new ArrayList<>();
        String[] optimizers = {"adam", "sgd", "adamw"};
        for (int i = 0; i < 3; i++) {
            String other = run(id, "cmp-" + (char) ('a' + i)).path("run_id").asText();
            logHistory(other, 0.1 * (i + 1), optimizers[i]);
            finish(other);
            compare.add(other);
        }
        ArrayNode array = seed.putArray("compareRuns");
        compare.forEach(array::add);
    }

    private void logHistory(String runId, double lr, String optimizer) throws Exception {
        ObjectNode batch = Json.object().put("run_id", runId);
        ArrayNode params = batch.putArray("params");
        kv(params, "lr", Double.toString(lr));
        kv(params, "optimizer", optimizer);
        kv(params, "epochs", "100");
        ArrayNode metrics = batch.putArray("metrics");
        long t = System.currentTimeMillis();
        for (int step = 0; step < 100; step++) {
            metrics.addObject().put("key", "loss").put("value", Math.exp(-lr * step) + 0.01 * (step % 3))
                    .put("timestamp", t + step * 100L).put("step", step);
        }
        metrics.addObject().put("key", "accuracy").put("value", 0.8 + lr).put("timestamp", t).put("step", 0);
        post("/api/2.0/mlflow/runs/log-batch", batch);
    }

    private static byte[] png() throws Exception {
        BufferedImage image = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 64; x++) {
            for (int y = 0; y < 32; y++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 8) << 8 | 200);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private void registry() throws Exception {
        String runId = seed.path("detailRun").asText();
        post("/api/2.0/mlflow/registered-models/create", Json.object().put("name", "ui-model")
                .put("description", "A model for the UI flows."));
        for (int v = 0; v < 2; v++) {
            post("/api/2.0/mlflow/model-versions/create", Json.object().put("name", "ui-model")
                    .put("source", "runs:/" + runId + "/model").put("run_id", runId));
        }
        seed.put("model", "ui-model");
    }

    private void prompts() throws Exception {
        ObjectNode model = Json.object().put("name", "ui-greeting");
        kv(model.putArray("tags"), "mlflow.prompt.is_prompt", "true");
        post("/api/2.0/mlflow/registered-models/create", model);
        for (String text : List.of("Hello {{name}}, welcome to {{place}}.",
                "Hello {{name}}!\nWelcome to {{place}}, enjoy your stay.")) {
            ObjectNode version = Json.object().put("name", "ui-greeting").put("source", "dummy-source");
            ArrayNode tags = version.putArray("tags");
            kv(tags, "mlflow.prompt.is_prompt", "true");
            kv(tags, "mlflow.prompt.text", text);
            post("/api/2.0/mlflow/model-versions/create", version);
        }
        post("/api/2.0/mlflow/registered-models/alias", Json.object().put("name", "ui-greeting")
                .put("alias", "production").put("version", "2"));
        seed.put("prompt", "ui-greeting");
    }

    // --- traces over OTLP

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static byte[] id(int bytes) {
        byte[] id = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(id);
        return id;
    }

    private static Span.Builder span(byte[] traceId, byte[] spanId, byte[] parent, String name, String type,
            long startNanos, long durationNanos, boolean ok) {
        Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFrom(spanId)).setName(name).setStartTimeUnixNano(startNanos)
                .setEndTimeUnixNano(startNanos + durationNanos)
                .setStatus(ok ? Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK)
                        : Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("tool failed"))
                .addAttributes(attribute("mlflow.spanType", "\"" + type + "\""));
        if (parent != null) {
            b.setParentSpanId(ByteString.copyFrom(parent));
        }
        return b;
    }

    private String export(String experimentId, List<Span> spans) throws Exception {
        byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans))).build().toByteArray();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf").header("x-mlflow-experiment-id", experimentId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("OTLP export failed: " + r.statusCode() + " " + r.body());
        }
        return "tr-" + HexFormat.of().formatHex(spans.get(0).getTraceId().toByteArray());
    }

    /** A chat agent trace: root CHAIN with chat messages in and out, a CHAT_MODEL child with tokens and cost. */
    private String chatTrace(String experimentId, String question, String answer, String session, boolean ok,
            long ageMs) throws Exception {
        byte[] traceId = id(16);
        byte[] root = id(8);
        long start = (System.currentTimeMillis() - ageMs) * 1_000_000L;
        String in = Json.writeString(Json.read("{\"messages\": [{\"role\": \"system\", \"content\": \"You are "
                + "helpful.\"}, {\"role\": \"user\", \"content\": \"" + question + "\"}]}"));
        String out = Json.writeString(Json.read("{\"choices\": [{\"message\": {\"role\": \"assistant\", "
                + "\"content\": \"" + answer + "\"}}]}"));
        Span.Builder rootSpan = span(traceId, root, null, "chat_agent", "CHAIN", start, 900_000_000L, ok)
                .addAttributes(attribute("mlflow.spanInputs", in))
                .addAttributes(attribute("mlflow.spanOutputs", out))
                .addAttributes(attribute("session.id", session));
        Span model = span(traceId, id(8), root, "ChatOpenAI", "CHAT_MODEL", start + 100_000_000L, 700_000_000L, ok)
                .addAttributes(attribute("mlflow.spanInputs", in))
                .addAttributes(attribute("mlflow.spanOutputs", out))
                .addAttributes(attribute("mlflow.chat.tokenUsage",
                        "{\"input_tokens\": 120, \"output_tokens\": 30, \"total_tokens\": 150}"))
                .addAttributes(attribute("mlflow.llm.cost",
                        "{\"input_cost\": 0.001, \"output_cost\": 0.002, \"total_cost\": 0.003}"))
                .build();
        return export(experimentId, List.of(rootSpan.build(), model));
    }

    private void feedback(String traceId, String name, String value, String rationale, String sourceRunId)
            throws Exception {
        ObjectNode a = Json.object();
        ObjectNode body = a.putObject("assessment").put("assessment_name", name).put("trace_id", traceId)
                .put("rationale", rationale);
        body.putObject("source").put("source_type", "LLM_JUDGE").put("source_id", "gpt-judge");
        body.putObject("feedback").put("value", value);
        if (sourceRunId != null) {
            body.putObject("metadata").put("mlflow.assessment.sourceRunId", sourceRunId);
        }
        post("/api/3.0/mlflow/traces/" + traceId + "/assessments", a);
    }

    private void traces() throws Exception {
        String id = experiment("ui-traces");
        seed.put("tracesExperiment", id);
        String[][] chats = {
            {"What's the weather in Paris?", "Sunny and 21 degrees.", "sess-1"},
            {"And tomorrow?", "Rain in the afternoon.", "sess-1"},
            {"Should I take an umbrella?", "Yes, take one.", "sess-1"},
            {"What is the stock price of ACME?", "ACME trades at 42.", "sess-2"},
            {"Summarise the news", "Nothing happened today.", "sess-2"},
        };
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < chats.length; i++) {
            ids.add(chatTrace(id, chats[i][0], chats[i][1], chats[i][2], true, (i + 1) * 60_000L));
        }
        String failed = chatTrace(id, "Book a flight to Oslo", "I could not reach the booking tool.", "sess-3",
                false, 30_000L);
        seed.put("chatTrace", ids.get(0));
        seed.put("errorTrace", failed);
        for (int i = 0; i < ids.size(); i++) {
            feedback(ids.get(i), "helpful", i < 4 ? "yes" : "no", "Judged by the seed.", null);
        }
        // A trace far larger than one page of spans.
        byte[] traceId = id(16);
        byte[] root = id(8);
        long start = (System.currentTimeMillis() - 10_000L) * 1_000_000L;
        List<Span> spans = new ArrayList<>();
        spans.add(span(traceId, root, null, "batch_job", "CHAIN", start, 5_000_000_000L, true)
                .addAttributes(attribute("mlflow.spanInputs", "{\"items\": " + BIG_TRACE_CHILDREN + "}")).build());
        for (int i = 0; i < BIG_TRACE_CHILDREN; i++) {
            spans.add(span(traceId, id(8), root, "item-" + i, "TOOL", start + i * 1_000_000L, 900_000L, true)
                    .build());
        }
        seed.put("bigTrace", export(id, spans));
        seed.put("bigTraceSpans", BIG_TRACE_CHILDREN + 1);
        seed.put("traceCount", chats.length + 2);
    }

    /** Two evaluation runs over the same three questions; q2 regresses from A to B, q3 improves. */
    private void evaluations() throws Exception {
        String id = experiment("ui-eval");
        seed.put("evalExperiment", id);
        String[] questions = {"What is MLflow?", "What is Osprey?", "What is a trace?"};
        String[][] verdicts = {{"yes", "yes", "no"}, {"yes", "no", "yes"}};
        ArrayNode runs = seed.putArray("evalRuns");
        for (int r = 0; r < 2; r++) {
            String runId = run(id, "eval-" + (r == 0 ? "a" : "b")).path("run_id").asText();
            runs.add(runId);
            ArrayNode traceIds = Json.object().arrayNode();
            int passed = 0;
            for (int q = 0; q < questions.length; q++) {
                String traceId = chatTrace(id, questions[q], "Answer " + q + " from run " + r, "eval", true, 5_000L);
                traceIds.add(traceId);
                feedback(traceId, "correctness", verdicts[r][q], "Rationale for row " + q + " of run " + r, runId);
                passed += verdicts[r][q].equals("yes") ? 1 : 0;
            }
            ObjectNode link = Json.object().put("run_id", runId);
            link.set("trace_ids", traceIds);
            post("/api/2.0/mlflow/traces/link-to-run", link);
            ObjectNode batch = Json.object().put("run_id", runId);
            batch.putArray("metrics").addObject().put("key", "correctness/mean").put("value", passed / 3.0)
                    .put("timestamp", System.currentTimeMillis()).put("step", 0);
            post("/api/2.0/mlflow/runs/log-batch", batch);
            finish(runId);
        }
        ObjectNode create = Json.object().put("name", "ui-dataset");
        create.putArray("experiment_ids").add(id);
        String datasetId = post("/api/3.0/mlflow/datasets/create", create).path("dataset").path("dataset_id")
                .asText();
        ArrayNode records = Json.object().arrayNode();
        for (String q : questions) {
            ObjectNode record = records.addObject();
            record.putObject("inputs").put("question", q);
            record.putObject("expectations").put("expected_response", "About " + q);
        }
        post("/api/3.0/mlflow/datasets/" + datasetId + "/records",
                Json.object().put("records", Json.writeString(records)));
        seed.put("dataset", "ui-dataset");
    }

    private void gateway(String mockUrl) throws Exception {
        String g = "/api/3.0/mlflow/gateway";
        ObjectNode secret = Json.object().put("secret_name", "ui-openai").put("provider", "openai");
        secret.putObject("secret_value").put("api_key", "sk-seed-SECRET-value-0001");
        secret.putObject("auth_config").put("api_base", mockUrl + "/v1");
        String secretId = post(g + "/secrets/create", secret).path("secret").path("secret_id").asText();
        String model = post(g + "/model-definitions/create", Json.object().put("name", "ui-gpt")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-ui"))
                .path("model_definition").path("model_definition_id").asText();
        ObjectNode endpoint = Json.object().put("name", "ui-chat");
        endpoint.putArray("model_configs").addObject().put("model_definition_id", model)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        post(g + "/endpoints/create", endpoint);
        for (int i = 0; i < 3; i++) {
            post("/gateway/mlflow/v1/chat/completions", Json.read("{\"model\": \"ui-chat\", \"messages\": "
                    + "[{\"role\": \"user\", \"content\": \"hi " + i + "\"}]}"));
        }
        // Usage is recorded off the request path; wait until the three requests are counted.
        long deadline = System.currentTimeMillis() + 30_000;
        while (call("GET", g + "/usage?group_by=endpoint", null).path("usage").path(0).path("requests")
                .asLong() < 3) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("gateway usage not recorded within 30 s");
            }
            Thread.sleep(100);
        }
        seed.put("gatewayEndpoint", "ui-chat");
        seed.put("gatewaySecretValue", "sk-seed-SECRET-value-0001");
    }
}
