package dev.osprey.tracing.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.TracedSpan;
import dev.osprey.tracing.Tracing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces every call of a LangChain4j chat model: register it with the model's {@code listeners(...)}. Each call
 * becomes a {@code CHAT_MODEL} span (a child of whatever span is current) with the messages as inputs, the reply
 * and tool calls as outputs, the model, its parameters and token usage — what the server needs to show and cost it.
 */
public final class OspreyChatModelListener implements ChatModelListener {
    private static final String SPAN_KEY = OspreyChatModelListener.class.getName() + ".span";
    private final Tracing tracing;

    public OspreyChatModelListener(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public void onRequest(ChatModelRequestContext context) {
        ChatRequest request = context.chatRequest();
        String model = request.modelName() == null ? "unknown" : request.modelName();
        TracedSpan span = tracing.startSpan("chat " + model, SpanType.CHAT_MODEL);
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("messages", messages(request.messages()));
        span.setInputs(inputs);
        if (request.modelName() != null) {
            span.setModel(request.modelName());
            span.otel().setAttribute("gen_ai.request.model", request.modelName());
        }
        span.otel().setAttribute("gen_ai.operation.name", "chat");
        if (context.modelProvider() != null) {
            span.setAttribute("mlflow.llm.provider", context.modelProvider().name());
        }
        Map<String, Object> params = new LinkedHashMap<>();
        putIfSet(params, "temperature", request.temperature());
        putIfSet(params, "top_p", request.topP());
        putIfSet(params, "max_tokens", request.maxOutputTokens());
        if (!params.isEmpty()) {
            span.setAttribute("invocation_params", params);
        }
        if (request.toolSpecifications() != null && !request.toolSpecifications().isEmpty()) {
            span.setAttribute("mlflow.chat.tools", request.toolSpecifications().stream()
                    .map(t -> Map.of("type", "function", "function", Map.of("name", t.name(),
                            "description", t.description() == null ? "" : t.description()))).toList());
        }
        context.attributes().put(SPAN_KEY, span);
    }

    @Override
    public void onResponse(ChatModelResponseContext context) {
        TracedSpan span = (TracedSpan) context.attributes().remove(SPAN_KEY);
        if (span == null) {
            return;
        }
        ChatResponse response = context.chatResponse();
        AiMessage reply = response.aiMessage();
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("role", "assistant");
        outputs.put("content", reply == null ? null : reply.text());
        if (reply != null && reply.hasToolExecutionRequests()) {
            outputs.put("tool_calls", reply.toolExecutionRequests().stream()
                    .map(t -> Map.of("id", String.valueOf(t.id()), "name", t.name(), "arguments", t.arguments()))
                    .toList());
        }
        span.setOutputs(outputs);
        if (response.modelName() != null) {
            span.setModel(response.modelName());
        }
        TokenUsage usage = response.tokenUsage();
        if (usage != null && usage.inputTokenCount() != null) {
            span.setTokenUsage(usage.inputTokenCount(), usage.outputTokenCount() == null ? 0
                    : usage.outputTokenCount());
        }
        span.end();
    }

    @Override
    public void onError(ChatModelErrorContext context) {
        TracedSpan span = (TracedSpan) context.attributes().remove(SPAN_KEY);
        if (span != null) {
            span.setError(context.error());
            span.end();
        }
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    /** Messages as OpenAI-style {role, content}, which the MLflow UI renders as a chat. */
    static List<Map<String, Object>> messages(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            switch (m) {
                case SystemMessage s -> {
                    entry.put("role", "system");
                    entry.put("content", s.text());
                }
                case UserMessage u -> {
                    entry.put("role", "user");
                    entry.put("content", u.hasSingleText() ? u.singleText() : u.contents().toString());
                }
                case AiMessage a -> {
                    entry.put("role", "assistant");
                    entry.put("content", a.text());
                }
                case ToolExecutionResultMessage t -> {
                    entry.put("role", "tool");
                    entry.put("tool_call_id", t.id());
                    entry.put("content", t.text());
                }
                default -> {
                    entry.put("role", m.type().name().toLowerCase(java.util.Locale.ROOT));
                    entry.put("content", m.toString());
                }
            }
            out.add(entry);
        }
        return out;
    }
}
