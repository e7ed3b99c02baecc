package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Judge alignment end to end over REST, against one scripted model behind the gateway that plays the judge, the
 * reflection model and the embedding model. The people's house style: an answer is acceptable only when it cites its
 * source in square brackets. The judge's model reads any answer as acceptable unless its prompt mentions square
 * brackets; the reflection model, shown the people's verdicts, states that rule. So the registered judge agrees with
 * people only on the cited answers, and an aligned judge agrees on all.
 */
class JudgeAlignmentApiTest {
    private static final String ALIGN = "/api/3.0/osprey/scorers/align";
    private static final String RULE = "Acceptable answers cite their source in square brackets.";
    private static final String JUDGE = Json.object().put("name", "style").set("instructions_judge_pydantic_data",
            Json.object().put("instructions", "Judge whether the answer is acceptable.\nQuestion: {{ inputs }}\n"
                    + "Answer: {{ outputs }}").put("model", "gateway:/judge")).toString();
    private static final Pattern EXAMPLE = Pattern.compile("\\{\"id\":(\\d+),[^\\n]*\"result\":\"(\\w+)\"");
    private final byte[] kek = JudgeGateway.newKek();
    private Path dir;
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;
    private String experiment;
    private final List<String> cited = new ArrayList<>();
    private final List<String> uncited = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-align");
        llm = new MockProvider().replyBy(JudgeAlignmentApiTest::script).embedBy(JudgeAlignmentApiTest::embedding);
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        JudgeGateway.create(api, llm.baseUrl());
        experiment = ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"align\"}"))
                .path("experiment_id").asText();
        ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experiment)
                .put("name", "style").put("serialized_scorer", JUDGE).toString()));
        String[] topics = {"refunds", "shipping", "passwords", "invoices", "returns", "warranty"};
        for (String topic : topics) {
            String yes = AgentTraces.send(server.baseUrl(), experiment, "How do " + topic + " work?",
                    "See the " + topic + " policy [help-center]", "d");
            label(yes, true, "cites the help center");
            cited.add(yes);
            String no = AgentTraces.send(server.baseUrl(), experiment, "Tell me about " + topic,
                    "Our " + topic + " policy is generous", "d");
            label(no, false, "no source given");
            uncited.add(no);
        }
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    /** The judge, the reflection model (MemAlign's and SIMBA's prompts) and nothing else, by what is asked. */
    private static String script(JsonNode body) {
        String user = body.path("messages").path(body.path("messages").size() - 1).path("content").asText();
        if (user.contains("Judged examples:")) {
            List<Integer> rejected = new ArrayList<>();
            Matcher m = EXAMPLE.matcher(user);
            while (m.find()) {
                if (m.group(2).equals("no")) {
                    rejected.add(Integer.parseInt(m.group(1)));
                }
            }
            ObjectNode g = Json.object();
            ObjectNode guideline = g.putArray("guidelines").addObject().put("guideline_text", RULE);
            rejected.forEach(guideline.putArray("source_trace_ids")::add);
            return g.toString();
        }
        if (user.contains("Write one general rule")) {
            return "{\"rule\": \"An acceptable answer must cite its source in square brackets.\"}";
        }
        int at = user.indexOf("Answer: ");
        String answer = at < 0 ? "" : user.substring(at + 8, user.indexOf('\n', at) < 0 ? user.length()
                : user.indexOf('\n', at));
        boolean strict = user.contains("square brackets");
        boolean ok = !strict || answer.contains("[");
        return "{\"result\": \"" + (ok ? "yes" : "no") + "\", \"rationale\": \"" + (ok ? "fine" : "no citation")
                + "\"}";
    }

    /** Bag of words hashed into 16 dimensions: texts sharing words are near. */
    private static double[] embedding(String text) {
        double[] v = new double[16];
        for (String word : text.toLowerCase(Locale.ROOT).split("\\W+")) {
            if (!word.isEmpty()) {
                v[Math.floorMod(word.hashCode(), 16)] += 1;
            }
        }
        return v;
    }

    private void label(String traceId, boolean value, String rationale) {
        ObjectNode a = Json.object().put("assessment_name", "style").put("rationale", rationale);
        a.putObject("source").put("source_type", "HUMAN").put("source_id", "reviewer");
        a.putObject("feedback").put("value", value);
        ok(api.post("/api/3.0/mlflow/traces/" + traceId + "/assessments", Json.object("assessment", a).toString()));
    }

    private static JsonNode ok(RestClient.Reply r) {
        return JudgeGateway.ok(r);
    }

    private ObjectNode request(String optimizer) {
        ObjectNode body = Json.object().put("experiment_id", experiment).put("name", "style")
                .put("holdout_fraction", 0.34);
        body.putObject("optimizer").put("type", optimizer).put("embedding_model", "gateway:/judge")
                .put("embedding_dim", 16).put("retrieval_k", 3).put("max_steps", 4).put("batch_size", 4);
        return body;
    }

    private JsonNode finished(String jobId) throws InterruptedException {
        JsonNode[] job = new JsonNode[1];
        JudgeGateway.await(() -> {
            job[0] = ok(api.get(ALIGN + "/" + jobId)).path("job");
            return !List.of("PENDING", "RUNNING").contains(job[0].path("status").asText());
        });
        assertThat(job[0].path("status").asText()).as(job[0].toString()).isEqualTo("SUCCEEDED");
        return job[0].path("result");
    }

    private String startJob(ObjectNode body) {
        return ok(api.post(ALIGN, body.toString())).at("/job/job_id").asText();
    }

    @Test
    void memAlign_learnsTheHouseStyle_registersTheAlignedJudge_andExtendsItWhenAlignedAgain() throws Exception {
        ObjectNode body = request("memalign").put("register", true);
        JsonNode result = finished(startJob(body));

        assertThat(result.path("train_count").asInt() + result.path("held_out_count").asInt()).isEqualTo(12);
        assertThat(result.path("held_out_count").asInt()).isEqualTo(4);
        assertThat(result.at("/base_agreement/accuracy").asDouble()).as(result.toString()).isLessThan(1.0);
        assertThat(result.at("/aligned_agreement/accuracy").asDouble()).isEqualTo(1.0);
        assertThat(result.at("/aligned_agreement/cohen_kappa").asDouble()).isEqualTo(1.0);
        assertThat(result.path("guidelines")).hasSize(1);
        assertThat(result.at("/guidelines/0/guideline_text").asText()).isEqualTo(RULE);
        List<String> sources = new ArrayList<>();
        result.at("/guidelines/0/source_trace_ids").forEach(id -> sources.add(id.asText()));
        assertThat(sources).isNotEmpty().allMatch(uncited::contains);
        assertThat(result.at("/model_calls/reflection").asInt()).isEqualTo(1);
        assertThat(result.at("/model_calls/judge").asInt()).isEqualTo(8);
        assertThat(result.path("registered_version").asInt()).isEqualTo(2);

        JsonNode stored = Json.read(ok(api.get("/api/3.0/mlflow/scorers/get?experiment_id=" + experiment
                + "&name=style&version=2")).at("/scorer/serialized_scorer").asText());
        JsonNode memory = stored.path("memory_augmented_judge_data");
        assertThat(memory.path("episodic_trace_ids")).hasSize(result.path("train_count").asInt());
        assertThat(memory.at("/semantic_memory/0/guideline_text").asText()).isEqualTo(RULE);
        assertThat(memory.at("/base_judge/instructions_judge_pydantic_data/model").asText())
                .isEqualTo("gateway:/judge");
        assertThat(memory.path("embedding_model").asText()).isEqualTo("gateway:/judge");
        assertThat(memory.path("embedding_dim").asInt()).isEqualTo(16);
        assertThat(memory.path("retrieval_k").asInt()).isEqualTo(3);

        // Aligning the aligned judge again (its latest version) starts from its memories: the held-out part it is
        // measured on is judged with them, and the guideline already known is not added twice.
        JsonNode again = finished(startJob(request("memalign").put("seed", 7)));
        assertThat(again.at("/base_agreement/accuracy").asDouble()).isEqualTo(1.0);
        assertThat(again.path("guidelines")).hasSize(1);
        assertThat(again.at("/aligned_scorer/memory_augmented_judge_data/episodic_trace_ids").size())
                .isEqualTo(result.path("train_count").asInt() + again.path("train_count").asInt());
        assertThat(again.has("registered_version")).as("not asked to register").isFalse();

        // Unaligning (MLflow's unalign) the registered version 2: removing every source trace of the guideline drops
        // it, and their examples leave episodic memory; nothing is called.
        int calls = llm.calls();
        ObjectNode unalign = Json.object().put("experiment_id", experiment).put("name", "style").put("register", true);
        sources.forEach(unalign.putArray("trace_ids")::add);
        JsonNode unaligned = ok(api.post("/api/3.0/osprey/scorers/unalign", unalign.toString()));
        assertThat(unaligned.path("removed_guidelines").asInt()).isEqualTo(1);
        assertThat(unaligned.path("removed_examples").asInt()).isEqualTo(sources.size());
        assertThat(unaligned.path("registered_version").asInt()).isEqualTo(3);
        assertThat(unaligned.at("/aligned_scorer/memory_augmented_judge_data/semantic_memory")).isEmpty();
        assertThat(llm.calls()).isEqualTo(calls);
        ObjectNode unknown = Json.object().put("experiment_id", experiment).put("name", "style").put("register", true);
        unknown.putArray("trace_ids").add("tr-not-in-memory");
        JsonNode nothing = ok(api.post("/api/3.0/osprey/scorers/unalign", unknown.toString()));
        assertThat(nothing.path("removed_examples").asInt()).isZero();
        assertThat(nothing.has("registered_version")).as("nothing removed, nothing registered").isFalse();
        RestClient.Reply plain = api.post("/api/3.0/osprey/scorers/unalign", unknown.put("version", 1).toString());
        assertThat(plain.status()).isEqualTo(400);
        assertThat(plain.body()).contains("not a MemAlign judge");
    }

    @Test
    void simba_addsWhatTheJudgesMistakesTeach_asAPlainJudgeMlflowCanLoad() throws Exception {
        JsonNode result = finished(startJob(request("simba")));

        assertThat(result.at("/aligned_agreement/accuracy").asDouble()).as(result.toString()).isEqualTo(1.0);
        assertThat(result.at("/base_agreement/accuracy").asDouble()).isLessThan(1.0);
        assertThat(result.path("rules")).extracting(JsonNode::asText).contains(
                "An acceptable answer must cite its source in square brackets.");
        JsonNode judge = result.at("/aligned_scorer/instructions_judge_pydantic_data");
        assertThat(judge.path("instructions").asText()).contains("square brackets").contains("{{ outputs }}");
        assertThat(judge.path("model").asText()).isEqualTo("gateway:/judge");
        assertThat(result.at("/model_calls/reflection").asInt()).isPositive();
        assertThat(ok(api.get("/api/3.0/mlflow/scorers/versions?experiment_id=" + experiment + "&name=style"))
                .path("scorers")).as("nothing registered unless asked").hasSize(1);
    }

    @Test
    void aMemAlignJudgeSerializedByMlflow_loadsAndJudgesWithItsMemories() throws Exception {
        // The form Python MLflow's MemoryAugmentedJudge.model_dump writes.
        ObjectNode python = Json.object().put("name", "style").putNull("aggregations").putNull("description")
                .put("mlflow_version", "3.11.0").put("serialization_version", 1).putNull("builtin_scorer_class")
                .putNull("instructions_judge_pydantic_data");
        ObjectNode data = python.putObject("memory_augmented_judge_data");
        data.set("base_judge", Json.read(JUDGE));
        data.putArray("episodic_trace_ids").add(uncited.get(0)).add(cited.get(0)).add("tr-gone");
        ObjectNode g = data.putArray("semantic_memory").addObject().put("guideline_text", RULE);
        g.putArray("source_trace_ids").add(uncited.get(0));
        data.put("reflection_lm", "gateway:/judge").put("retrieval_k", 2).put("embedding_model", "gateway:/judge")
                .put("embedding_dim", 16);
        String fresh = AgentTraces.send(server.baseUrl(), experiment, "What about refunds?", "Refunds are fine", "d");

        ObjectNode invoke = Json.object().put("experiment_id", experiment).put("serialized_scorer", python.toString())
                .put("log_assessments", false);
        invoke.putArray("trace_ids").add(fresh);
        String jobId = ok(api.post("/ajax-api/3.0/mlflow/scorer/invoke", invoke.toString())).at("/jobs/0/job_id")
                .asText();
        JsonNode[] done = new JsonNode[1];
        JudgeGateway.await(() -> {
            done[0] = ok(api.get("/ajax-api/3.0/jobs/" + jobId));
            return !List.of("PENDING", "RUNNING").contains(done[0].path("status").asText());
        });
        assertThat(done[0].at("/result/" + fresh + "/assessments/0/feedback/value").asText())
                .as(done[0].toString()).isEqualTo("no");
        String judged = lastJudgePrompt();
        assertThat(judged).contains(RULE).contains("Example 1:").contains("result: no");
        assertThat(judged).as("k = 2 of the two traces still there").doesNotContain("Example 3:");
    }

    private String lastJudgePrompt() {
        return llm.received().stream().map(r -> r.body().path("messages").toString())
                .filter(m -> m.contains("Judge whether the answer is acceptable")).reduce((a, b) -> b).orElse("");
    }

    @Test
    void badRequests_areClear400sAnd404s() throws Exception {
        assertThat(api.post(ALIGN, request("gepa").toString()).status()).isEqualTo(400);
        assertThat(api.post(ALIGN, request("memalign").put("holdout_fraction", 1.0).toString()).status())
                .isEqualTo(400);
        assertThat(api.post(ALIGN, request("memalign").put("name", "nobody").toString()).status()).isEqualTo(404);
        ObjectNode noLabels = request("memalign");
        noLabels.putArray("trace_ids").add(AgentTraces.send(server.baseUrl(), experiment, "unlabelled?", "yes", "d"));
        RestClient.Reply r = api.post(ALIGN, noLabels.toString());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("No human feedback named 'style'");
        ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experiment)
                .put("name", "exact").put("serialized_scorer", "{\"osprey_code_scorer\": \"exact_match\"}")
                .toString()));
        RestClient.Reply code = api.post(ALIGN, request("memalign").put("name", "exact").toString());
        assertThat(code.status()).isEqualTo(400);
        assertThat(code.body()).contains("not an LLM judge");
        ObjectNode badModel = request("memalign");
        ((ObjectNode) badModel.path("optimizer")).put("embedding_model", "cohere:/embed");
        assertThat(api.post(ALIGN, badModel.toString()).status()).isEqualTo(400);
        assertThat(api.get(ALIGN + "/no-such-job").status()).isEqualTo(404);
    }

    @Test
    void aCanceledAlignment_stops_andRegistersNothing() throws Exception {
        llm.delay(100);
        String jobId = startJob(request("memalign").put("register", true));
        JudgeGateway.await(() -> ok(api.get(ALIGN + "/" + jobId)).at("/job/status").asText().equals("RUNNING"));
        assertThat(ok(api.post(ALIGN + "/" + jobId + "/cancel", "{}")).at("/job/status").asText())
                .isEqualTo("CANCELED");
        int calls = llm.calls();
        Thread.sleep(600);
        assertThat(llm.calls()).as("at most the call in flight finishes").isLessThanOrEqualTo(calls + 1);
        assertThat(ok(api.get(ALIGN + "/" + jobId)).at("/job/status").asText()).isEqualTo("CANCELED");
        assertThat(ok(api.get("/api/3.0/mlflow/scorers/versions?experiment_id=" + experiment + "&name=style"))
                .path("scorers")).as("nothing registered").hasSize(1);
    }

    @Test
    void aJobTheServerDidNotFinish_runsAgainAfterARestart() throws Exception {
        llm.delay(150);
        String jobId = startJob(request("memalign"));
        JudgeGateway.await(() -> ok(api.get(ALIGN + "/" + jobId)).at("/job/status").asText().equals("RUNNING"));
        server.close();
        llm.delay(0);
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        JsonNode result = finished(jobId);
        assertThat(result.at("/aligned_agreement/accuracy").asDouble()).isEqualTo(1.0);
        ArrayNode jobs = (ArrayNode) ok(api.get(ALIGN + "?experiment_id=" + experiment)).path("jobs");
        assertThat(jobs).extracting(j -> j.path("job_id").asText()).containsExactly(jobId);
    }
}
