package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a real or simulated conversation back into a test case (MLflow's {@code generate_test_cases}): a model reads
 * the conversation and writes the user's goal, how the user talks (the persona), how a simulated user should pace the
 * conversation to reproduce it (guidelines) and what a good outcome was (the expectations a session judge can check).
 * The result is a proposal for a person to review before it is stored.
 */
public final class TestCaseDistiller {
    private final JudgeModel model;

    public TestCaseDistiller(JudgeModel model) {
        this.model = model;
    }

    /**
     * The test case a conversation shows, in MLflow's case form ({@code goal}, {@code persona},
     * {@code simulation_guidelines}, {@code expectations}); empty when the conversation is empty or the model gave
     * no goal.
     *
     * @throws JudgeModel.JudgeModelException when the model cannot be called
     */
    public Optional<ObjectNode> distill(List<EvalItem.Turn> conversation) {
        if (conversation.stream().noneMatch(t -> t.role().equals("user") && !t.content().isBlank())) {
            return Optional.empty();
        }
        String prompt = "Here is a conversation between a user and an AI assistant:\n\n"
                + Conversations.format(conversation) + "\nDescribe it as a test case for a simulated user who should "
                + "have the same conversation again. Reply with one JSON object with these fields:\n"
                + "- \"goal\": what the user wanted to get done, in one sentence from the user's side.\n"
                + "- \"persona\": how the user talks and what they know, in one or two sentences starting with "
                + "\"You are\".\n"
                + "- \"simulation_guidelines\": a list of rules that reproduce how the conversation unfolded (what the "
                + "user held back until asked, what they expected without asking, the order of their questions), "
                + "or null when there is nothing notable.\n"
                + "- \"expected_outcome\": what a good assistant achieved or should have achieved by the end, or "
                + "null.";
        String reply = model.complete("You turn conversations into reusable test cases. Reply with a single JSON "
                + "object and nothing else.", prompt);
        Optional<JsonNode> parsed = LlmJudge.parseObject(reply);
        if (parsed.isEmpty() || parsed.get().path("goal").asText("").isBlank()) {
            return Optional.empty();
        }
        JsonNode p = parsed.get();
        ObjectNode out = Json.object().put("goal", p.path("goal").asText().strip());
        if (p.path("persona").isTextual() && !p.path("persona").asText().isBlank()) {
            out.put("persona", p.path("persona").asText().strip());
        }
        JsonNode g = p.path("simulation_guidelines");
        List<String> guidelines = new ArrayList<>();
        if (g.isArray()) {
            g.forEach(x -> {
                if (x.isTextual() && !x.asText().isBlank()) {
                    guidelines.add(x.asText().strip());
                }
            });
        } else if (g.isTextual() && !g.asText().isBlank()) {
            guidelines.add(g.asText().strip());
        }
        if (!guidelines.isEmpty()) {
            ArrayNode list = out.putArray("simulation_guidelines");
            guidelines.forEach(list::add);
        }
        if (p.path("expected_outcome").isTextual() && !p.path("expected_outcome").asText().isBlank()) {
            out.putObject("expectations").put("expected_outcome", p.path("expected_outcome").asText().strip());
        }
        return Optional.of(out);
    }

    /** Keeps the first case of each goal (compared without case, punctuation or extra spaces). */
    public static List<ObjectNode> distinct(List<ObjectNode> cases) {
        Set<String> seen = new LinkedHashSet<>();
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode c : cases) {
            String key = c.path("goal").asText().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").strip();
            if (seen.add(key)) {
                out.add(c);
            }
        }
        return out;
    }
}
