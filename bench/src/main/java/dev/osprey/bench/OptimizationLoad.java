package dev.osprey.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import java.util.List;
import java.util.Locale;

/**
 * OPT-1: MetaPrompt and GEPA prompt-optimization jobs on a task whose scripted model answers correctly only when the prompt
 * tells it to answer in French. The mock (OpenAI's wire format, 20 ms per call) plays the prompt's model, the judge
 * and the reflection model; the job runs through the server's REST API and gateway. Reported: scores before and
 * after, model calls, and the job's own time per model call against a direct call to the mock measured in the same
 * run (wall time minus that, over the calls).
 * Argument: dataset rows (default 20).
 */
public final class OptimizationLoad {
    private static final String FRENCH = "Always answer in French.";
    private static final long LATENCY_MS = 20;

    private OptimizationLoad() {}

    private static String reply(JsonNode body) {
        String prompt = body.path("messages").toString();
        if (prompt.contains("Improve the prompt template")) {
            return "{\"greet\": \"" + FRENCH + " Answer this: {{question}}\"}";
        }
        if (prompt.contains("a correct answer to")) {
            return "{\"result\": \"" + (prompt.contains("Bonjour") ? "yes" : "no") + "\", \"rationale\": \"r\"}";
        }
        return prompt.contains(FRENCH) ? "Bonjour" : "Hello";
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        ScriptedOpenAi mock = new ScriptedOpenAi(OptimizationLoad::reply, text -> new double[] {1}, LATENCY_MS);
        // The reference, measured in the same run: one call straight to the mock, as the job's calls would cost
        // with nothing of Osprey's in between.
        String direct = mock.baseUrl() + "/chat/completions";
        String ask = "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        for (int i = 0; i < 20; i++) {
            Bench.post(direct, ask);
        }
        long refStarted = System.nanoTime();
        int refCalls = 100;
        for (int i = 0; i < refCalls; i++) {
            Bench.post(direct, ask);
        }
        double directMs = (System.nanoTime() - refStarted) / 1e6 / refCalls;
        mock.resetCalls();
        try (OspreyServer server = Bench.serverWithGateway("opt")) {
            String base = server.baseUrl();
            mock.addEndpoint(base, "llm");
            String exp = Json.read(Bench.post(base + "/api/2.0/mlflow/experiments/create", "{\"name\": \"opt\"}"))
                    .path("experiment_id").asText();
            ObjectNode create = Json.object().put("name", "greetings");
            create.putArray("experiment_ids").add(exp);
            String dataset = Json.read(Bench.post(base + "/api/3.0/mlflow/datasets/create", create.toString()))
                    .at("/dataset/dataset_id").asText();
            ArrayNode records = Json.MAPPER.createArrayNode();
            for (int i = 0; i < rows; i++) {
                ObjectNode r = records.addObject();
                r.putObject("inputs").put("question", "Greeting number " + i);
                r.putObject("expectations").put("expected_response", "Bonjour");
            }
            Bench.post(base + "/api/3.0/mlflow/datasets/" + dataset + "/records", Json.object()
                    .put("records", records.toString()).toString());
            String judge = Json.object().put("name", "french").set("instructions_judge_pydantic_data", Json.object()
                    .put("instructions", "Is {{ outputs }} a correct answer to {{ inputs }}?")
                    .put("model", "gateway:/llm")).toString();
            Bench.post(base + "/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", exp)
                    .put("name", "french").put("serialized_scorer", judge).toString());
            ObjectNode prompt = Json.object().put("name", "greet");
            prompt.putArray("tags").addObject().put("key", "mlflow.prompt.is_prompt").put("value", "true");
            Bench.post(base + "/api/2.0/mlflow/registered-models/create", prompt.toString());
            ObjectNode version = Json.object().put("name", "greet").put("source", "dummy-source");
            ArrayNode tags = version.putArray("tags");
            tags.addObject().put("key", "mlflow.prompt.is_prompt").put("value", "true");
            tags.addObject().put("key", "mlflow.prompt.text").put("value", "Answer this: {{question}}");
            tags.addObject().put("key", "_mlflow_prompt_model_config").put("value",
                    "{\"provider\": \"gateway\", \"model_name\": \"llm\"}");
            Bench.post(base + "/api/2.0/mlflow/model-versions/create", version.toString());

            List<String> table = new java.util.ArrayList<>();
            for (String optimizer : List.of("METAPROMPT", "GEPA")) {
                ObjectNode job = Json.object().put("experiment_id", exp).put("source_prompt_uri", "prompts:/greet/1");
                job.putObject("config").put("optimizer_type", "OPTIMIZER_TYPE_" + optimizer).put("dataset_id", dataset)
                        .put("optimizer_config_json", "{\"reflection_model\": \"gateway:/llm\", \"max_metric_calls\": "
                                + 4 * rows + "}")
                        .putArray("scorers").add("french");
                String p = base + "/api/3.0/mlflow/prompt-optimization/jobs";
                long before = mock.calls();
                long started = System.nanoTime();
                String jobId = Json.read(Bench.post(p, job.toString())).at("/job/job_id").asText();
                JsonNode done;
                do {
                    Thread.sleep(20);
                    done = Json.read(Bench.get(p + "/" + jobId)).path("job");
                } while (List.of("JOB_STATUS_PENDING", "JOB_STATUS_IN_PROGRESS").contains(done.at("/state/status")
                        .asText()));
                double wallS = (System.nanoTime() - started) / 1e9;
                long used = mock.calls() - before;
                double overheadMs = (wallS * 1000 - used * directMs) / used;
                double initial = done.at("/initial_eval_scores/aggregate").asDouble(Double.NaN);
                double fin = done.at("/final_eval_scores/aggregate").asDouble(Double.NaN);
                table.add(String.format(Locale.ROOT, "| %s | %d | %s | %.2f | %.2f | %d | %.2f | %.2f | %.2f ms | "
                        + "%.2f ms | %.2fx |", optimizer, rows, done.at("/state/status").asText(), initial, fin, used,
                        100 * (fin - initial) / used, wallS, directMs, overheadMs, wallS * 1000 / used / directMs));
            }
            Bench.printTable(table, "optimizer", "rows", "status", "score before", "score after", "model calls",
                    "gain per 100 calls", "wall s", "direct call (reference)", "job time per call beyond it", "ratio");
        } finally {
            mock.close();
        }
    }
}
