package dev.osprey.server.traces.translate;

import static dev.osprey.server.traces.translate.KeyedTranslator.Key.matching;
import static dev.osprey.server.traces.translate.KeyedTranslator.Key.of;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The instrumentation families MLflow 3 translates on ingest, with the attribute keys each one uses (read from
 * MLflow's {@code mlflow/tracing/otel/translation/}), in the order MLflow asks them.
 */
final class Families {
    private Families() {}

    static final String LLM = "LLM";
    static final String CHAT_MODEL = "CHAT_MODEL";
    static final String CHAIN = "CHAIN";
    static final String AGENT = "AGENT";
    static final String TOOL = "TOOL";
    static final String RETRIEVER = "RETRIEVER";
    static final String EMBEDDING = "EMBEDDING";
    static final String RERANKER = "RERANKER";
    static final String UNKNOWN = "UNKNOWN";
    static final String GUARDRAIL = "GUARDRAIL";
    static final String EVALUATOR = "EVALUATOR";
    static final String WORKFLOW = "WORKFLOW";
    static final String TASK = "TASK";
    static final String MEMORY = "MEMORY";

    /** Every family, first asked first. */
    static List<SpanTranslator> inMlflowOrder() {
        return List.of(openInference(), new GeminiCliTranslator(), new GenAiTranslator(), new SpringAiTranslator(),
                traceloop(), googleAdk(), new VercelAiTranslator(), new VoltAgentTranslator(),
                new LiveKitTranslator(), laminar(), langfuse());
    }

    /** The families whose inputs and outputs may travel in span events, asked when no attribute had them. */
    static List<SpanTranslator> withEventMessages() {
        return List.of(new SpringAiTranslator(), new LiveKitTranslator());
    }

    /** Arize OpenInference (LlamaIndex, DSPy, CrewAI, smolagents, ... instrumentations). */
    static KeyedTranslator openInference() {
        return new KeyedTranslator("openinference")
                .kinds("openinference.span.kind", Map.of("TOOL", TOOL, "CHAIN", CHAIN, "LLM", LLM, "RETRIEVER",
                        RETRIEVER, "EMBEDDING", EMBEDDING, "AGENT", AGENT, "RERANKER", RERANKER, "UNKNOWN", UNKNOWN,
                        "GUARDRAIL", GUARDRAIL, "EVALUATOR", EVALUATOR))
                .tokens("llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total")
                .inputs(of("input.value"))
                .outputs(of("output.value"))
                .models("llm.model_name", "embedding.model_name")
                .provider("llm.provider");
    }

    /** Traceloop / OpenLLMetry, including its older indexed prompt and completion attributes. */
    static KeyedTranslator traceloop() {
        return new KeyedTranslator("traceloop")
                .kinds("traceloop.span.kind", Map.of("workflow", WORKFLOW, "task", TASK, "agent", AGENT, "tool", TOOL,
                        "unknown", UNKNOWN))
                .tokens("gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens", "llm.usage.total_tokens")
                .inputs(of("traceloop.entity.input"), matching("gen_ai\\.prompt\\.\\d+\\.content"),
                        matching("gen_ai\\.completion\\.\\d+\\.tool_calls\\.\\d+\\.arguments"))
                .outputs(of("traceloop.entity.output"), matching("gen_ai\\.completion\\.\\d+\\.content"))
                .provider("gen_ai.system");
    }

    /** Google ADK: GenAI conventions plus its own request and response attributes. */
    static KeyedTranslator googleAdk() {
        return new KeyedTranslator("google-adk")
                .inputs(of("gcp.vertex.agent.llm_request"), of("gcp.vertex.agent.tool_call_args"))
                .outputs(of("gcp.vertex.agent.llm_response"), of("gcp.vertex.agent.tool_response"));
    }

    /** Laminar: its own span types and payloads, GenAI conventions for usage and model. */
    static KeyedTranslator laminar() {
        return new KeyedTranslator("laminar") {
            @Override
            public Optional<String> messageFormat(Map<String, JsonNode> attributes) {
                return attributes.containsKey("lmnr.span.type") ? Optional.of("openai") : Optional.empty();
            }
        }
                .kinds("lmnr.span.type", Map.of("LLM", LLM, "TOOL", TOOL, "DEFAULT", CHAIN, "PIPELINE", CHAIN,
                        "EXECUTOR", AGENT, "EVALUATOR", EVALUATOR, "HUMAN_EVALUATOR", EVALUATOR, "EVALUATION",
                        EVALUATOR, "CACHED", LLM))
                .inputs(of("lmnr.span.input"))
                .outputs(of("lmnr.span.output"))
                .tokens("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", null)
                .models("gen_ai.response.model", "gen_ai.request.model")
                .provider("gen_ai.system");
    }

    /** Langfuse observations forwarded over OpenTelemetry. */
    static KeyedTranslator langfuse() {
        return new KeyedTranslator("langfuse")
                .kinds("langfuse.observation.type", Map.of("generation", LLM, "embedding", EMBEDDING, "tool", TOOL,
                        "retriever", RETRIEVER, "agent", AGENT, "chain", CHAIN, "evaluator", EVALUATOR, "guardrail",
                        GUARDRAIL, "span", UNKNOWN))
                .inputs(of("langfuse.observation.input"))
                .outputs(of("langfuse.observation.output"));
    }
}
