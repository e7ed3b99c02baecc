package dev.osprey.tracing.langchain4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.observability.api.event.AiServiceCompletedEvent;
import dev.langchain4j.observability.api.event.AiServiceErrorEvent;
import dev.langchain4j.observability.api.event.AiServiceResponseReceivedEvent;
import dev.langchain4j.observability.api.event.AiServiceStartedEvent;
import dev.langchain4j.observability.api.event.ToolExecutedEvent;
import dev.langchain4j.observability.api.listener.AiServiceCompletedListener;
import dev.langchain4j.observability.api.listener.AiServiceErrorListener;
import dev.langchain4j.observability.api.listener.AiServiceListener;
import dev.langchain4j.observability.api.listener.AiServiceResponseReceivedListener;
import dev.langchain4j.observability.api.listener.AiServiceStartedListener;
import dev.langchain4j.observability.api.listener.ToolExecutedEventListener;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.TracedSpan;
import dev.osprey.tracing.Tracing;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Traces LangChain4j AI services: each invocation becomes an {@code AGENT} span named
 * {@code <Interface>.<method>} with the user (and system) message as inputs and the result as outputs; each tool the
 * model calls becomes a {@code TOOL} span under it with the arguments and the result; the model calls themselves are
 * {@code CHAT_MODEL} spans from {@link OspreyChatModelListener}, nested under the invocation.
 *
 * <pre>{@code
 * Assistant assistant = AiServices.builder(Assistant.class)
 *         .chatModel(model)                       // built with .listeners(List.of(new OspreyChatModelListener(tracing)))
 *         .tools(new WeatherTools())
 *         .registerListeners(new OspreyAiServiceTracer(tracing).listeners())
 *         .build();
 * }</pre>
 *
 * LangChain4j reports a tool only once it has run, so a tool span starts when the model's reply asking for it
 * arrived (or the previous tool of that reply finished) — the moment the framework started executing it, give or take
 * its own bookkeeping. A chat memory id other than {@code "default"} becomes the span's {@code session.id}, which the
 * server turns into the trace's session.
 */
public final class OspreyAiServiceTracer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT_MEMORY = "default";

    private final Tracing tracing;
    private final Map<UUID, Invocation> invocations = new ConcurrentHashMap<>();

    public OspreyAiServiceTracer(Tracing tracing) {
        this.tracing = tracing;
    }

    /** One open invocation: its span, the scope that makes it the parent of model calls, and the tool clock. */
    private static final class Invocation {
        final TracedSpan span;
        final Scope scope;
        final Thread thread;
        volatile Instant lastStep;

        Invocation(TracedSpan span, Scope scope, Instant start) {
            this.span = span;
            this.scope = scope;
            this.thread = Thread.currentThread();
            this.lastStep = start;
        }
    }

    /** The listeners to register on an AI service builder. */
    public List<AiServiceListener<?>> listeners() {
        return List.of(
                (AiServiceStartedListener) this::started,
                (AiServiceResponseReceivedListener) this::responseReceived,
                (ToolExecutedEventListener) this::toolExecuted,
                (AiServiceCompletedListener) this::completed,
                (AiServiceErrorListener) this::failed);
    }

    private void started(AiServiceStartedEvent event) {
        InvocationContext context = event.invocationContext();
        TracedSpan span = tracing.startSpan(simpleName(context.interfaceName()) + "." + context.methodName(),
                SpanType.AGENT);
        List<ChatMessage> messages = new ArrayList<>();
        event.systemMessage().ifPresent(messages::add);
        messages.add(event.userMessage());
        span.setInputs(Map.of("messages", OspreyChatModelListener.messages(messages)));
        span.setAttribute("langchain4j.invocation_id", context.invocationId().toString());
        Object memoryId = context.chatMemoryId();
        if (memoryId != null && !DEFAULT_MEMORY.equals(String.valueOf(memoryId))) {
            span.otel().setAttribute("session.id", String.valueOf(memoryId));
        }
        // Model calls of a blocking invocation run on this thread: making the span current nests them under it.
        // Streaming invocations finish elsewhere, where this thread's scope could not be closed, so they stay flat.
        Scope scope = returnsStream(context) ? null : span.otel().makeCurrent();
        invocations.put(context.invocationId(), new Invocation(span, scope, Instant.now()));
    }

    private void responseReceived(AiServiceResponseReceivedEvent event) {
        Invocation invocation = invocations.get(event.invocationContext().invocationId());
        if (invocation != null) {
            invocation.lastStep = Instant.now();
        }
    }

    private void toolExecuted(ToolExecutedEvent event) {
        Invocation invocation = invocations.get(event.invocationContext().invocationId());
        if (invocation == null) {
            return;
        }
        ToolExecutionRequest request = event.request();
        TracedSpan tool = tracing.startSpan(request.name(), SpanType.TOOL, invocation.span, invocation.lastStep);
        tool.setInputs(arguments(request.arguments()));
        tool.setOutputs(event.resultText());
        if (request.id() != null) {
            tool.setAttribute("tool_call_id", request.id());
        }
        tool.end();
        invocation.lastStep = Instant.now();
    }

    private void completed(AiServiceCompletedEvent event) {
        Invocation invocation = finish(event.invocationContext());
        if (invocation != null) {
            event.result().ifPresent(invocation.span::setOutputs);
            invocation.span.end();
        }
    }

    private void failed(AiServiceErrorEvent event) {
        Invocation invocation = finish(event.invocationContext());
        if (invocation != null) {
            invocation.span.setError(event.error());
            invocation.span.end();
        }
    }

    private Invocation finish(InvocationContext context) {
        Invocation invocation = invocations.remove(context.invocationId());
        if (invocation != null && invocation.scope != null && invocation.thread == Thread.currentThread()) {
            invocation.scope.close();
        }
        return invocation;
    }

    /** Tool arguments arrive as a JSON text; stored as JSON so the UI shows them as an object. */
    private static Object arguments(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readTree(json);
        } catch (IOException notJson) {
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("arguments", json);
            return raw;
        }
    }

    private static boolean returnsStream(InvocationContext context) {
        try {
            Class<?> type = Class.forName(context.interfaceName(), false,
                    Thread.currentThread().getContextClassLoader());
            for (java.lang.reflect.Method m : type.getMethods()) {
                if (m.getName().equals(context.methodName())) {
                    String returned = m.getReturnType().getName();
                    return returned.endsWith("TokenStream") || returned.startsWith("reactor.core.publisher.");
                }
            }
        } catch (ClassNotFoundException | LinkageError unknown) {
            // not loadable from here: treat as blocking only if it is certain to be
            return true;
        }
        return false;
    }

    private static String simpleName(String interfaceName) {
        int dot = Math.max(interfaceName.lastIndexOf('.'), interfaceName.lastIndexOf('$'));
        return dot < 0 ? interfaceName : interfaceName.substring(dot + 1);
    }
}
