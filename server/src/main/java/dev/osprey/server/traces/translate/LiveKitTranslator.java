package dev.osprey.server.traces.translate;

import static dev.osprey.server.traces.translate.KeyedTranslator.Key.of;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * LiveKit Agents: GenAI conventions for usage, model and message events, {@code lk.*} attributes for the voice
 * pipeline's inputs and outputs, span types inferred from which {@code lk.*} keys a span has.
 */
final class LiveKitTranslator extends GenAiTranslator {
    private static final Set<String> DETECTION_KEYS = Set.of("lk.agent_name", "lk.room_name", "lk.job_id",
            "lk.participant_identity");

    LiveKitTranslator() {
        super("livekit");
        inputs(of("lk.user_input"), of("lk.user_transcript"), of("lk.chat_ctx"), of("lk.input_text"));
        outputs(of("lk.response.text"), of("lk.response.function_calls"));
    }

    @Override
    public Optional<String> spanType(Map<String, JsonNode> attributes) {
        if (attributes.containsKey("gen_ai.request.model")) {
            return Optional.of(Families.LLM);
        }
        JsonNode operation = attributes.get(OPERATION);
        if (AttributeValues.present(operation)) {
            Optional<String> type = super.spanType(Map.of(OPERATION, com.fasterxml.jackson.databind.node
                    .JsonNodeFactory.instance.textNode(operation.asText().toLowerCase(Locale.ROOT))));
            if (type.isPresent()) {
                return type;
            }
        }
        for (String key : attributes.keySet()) {
            if (key.equals("lk.retry_count")) {
                return Optional.of(Families.LLM);
            }
            if (key.startsWith("lk.function_tool")) {
                return Optional.of(Families.TOOL);
            }
            if (key.equals("lk.agent_name") || key.equals("lk.instructions") || key.equals("lk.generation_id")) {
                return Optional.of(Families.AGENT);
            }
            if (key.startsWith("lk.tts") || key.equals("lk.input_text") || key.equals("lk.user_transcript")
                    || key.equals("lk.transcript_confidence") || key.equals("lk.transcription_delay")) {
                return Optional.of(Families.UNKNOWN);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> messageFormat(Map<String, JsonNode> attributes) {
        boolean livekit = attributes.keySet().stream().anyMatch(k -> DETECTION_KEYS.contains(k) || k.startsWith("lk."));
        return livekit ? Optional.of("livekit") : Optional.empty();
    }
}
