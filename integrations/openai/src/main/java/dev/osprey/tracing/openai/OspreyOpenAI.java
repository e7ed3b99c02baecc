package dev.osprey.tracing.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.services.blocking.ChatService;
import com.openai.services.blocking.EmbeddingService;
import com.openai.services.blocking.chat.ChatCompletionService;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.TracedSpan;
import dev.osprey.tracing.Tracing;
import io.opentelemetry.context.Scope;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Traces an OpenAI Java SDK client: {@code OspreyOpenAI.trace(client, tracing)} returns a client whose chat
 * completions (blocking and streaming) and embeddings run in CHAT_MODEL / EMBEDDING spans with the request body as
 * inputs, the response as outputs, the model and token usage. Everything else passes through untouched.
 */
public final class OspreyOpenAI {
    private OspreyOpenAI() {}

    public static OpenAIClient trace(OpenAIClient client, Tracing tracing) {
        return proxy(OpenAIClient.class, client, (method, args) -> switch (method.getName()) {
            case "chat" -> args == null ? traceChat((ChatService) invoke(method, client, args), tracing)
                    : invoke(method, client, args);
            case "embeddings" -> args == null ? traceEmbeddings((EmbeddingService) invoke(method, client, args),
                    tracing) : invoke(method, client, args);
            case "withOptions" -> trace((OpenAIClient) invoke(method, client, args), tracing);
            default -> invoke(method, client, args);
        });
    }

    private static ChatService traceChat(ChatService chat, Tracing tracing) {
        return proxy(ChatService.class, chat, (method, args) -> method.getName().equals("completions") && args == null
                ? traceCompletions((ChatCompletionService) invoke(method, chat, args), tracing)
                : invoke(method, chat, args));
    }

    private static ChatCompletionService traceCompletions(ChatCompletionService service, Tracing tracing) {
        return proxy(ChatCompletionService.class, service, (method, args) -> {
            boolean plain = args != null && args.length > 0 && args[0] instanceof ChatCompletionCreateParams;
            if (plain && method.getName().equals("create")) {
                ChatCompletionCreateParams params = (ChatCompletionCreateParams) args[0];
                return tracing.span("chat " + params.model().asString(), SpanType.CHAT_MODEL, span -> {
                    start(span, params.model().asString(), json(params._body()));
                    ChatCompletion completion = (ChatCompletion) invoke(method, service, args);
                    span.setOutputs(json(completion));
                    span.setModel(completion.model());
                    completion.usage().ifPresent(u -> span.setTokenUsage(u.promptTokens(), u.completionTokens()));
                    return completion;
                });
            }
            if (plain && method.getName().equals("createStreaming")) {
                return stream(method, service, args, tracing);
            }
            return invoke(method, service, args);
        });
    }

    /** A streamed completion: the span stays open until the stream is closed, collecting the text and usage. */
    @SuppressWarnings("unchecked")
    private static StreamResponse<ChatCompletionChunk> stream(Method method, ChatCompletionService service,
            Object[] args, Tracing tracing) {
        ChatCompletionCreateParams params = (ChatCompletionCreateParams) args[0];
        String model = params.model().asString();
        TracedSpan span = tracing.startSpan("chat " + model, SpanType.CHAT_MODEL);
        start(span, model, json(params._body()));
        StreamResponse<ChatCompletionChunk> response;
        try (Scope ignored = span.otel().makeCurrent()) {
            response = (StreamResponse<ChatCompletionChunk>) invoke(method, service, args);
        } catch (RuntimeException e) {
            span.setError(e);
            span.end();
            throw e;
        }
        StringBuilder text = new StringBuilder();
        long[] usage = {-1, 0};
        String[] responseModel = {model};
        AtomicBoolean ended = new AtomicBoolean();
        Runnable finish = () -> {
            if (ended.compareAndSet(false, true)) {
                span.setOutputs(Map.of("role", "assistant", "content", text.toString()));
                span.setModel(responseModel[0]);
                if (usage[0] >= 0) {
                    span.setTokenUsage(usage[0], usage[1]);
                }
                span.end();
            }
        };
        return new StreamResponse<>() {
            @Override
            public Stream<ChatCompletionChunk> stream() {
                return response.stream().peek(chunk -> {
                    responseModel[0] = chunk.model();
                    chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                    chunk.usage().ifPresent(u -> {
                        usage[0] = u.promptTokens();
                        usage[1] = u.completionTokens();
                    });
                }).onClose(finish);
            }

            @Override
            public void close() {
                try {
                    response.close();
                } finally {
                    finish.run();
                }
            }
        };
    }

    private static EmbeddingService traceEmbeddings(EmbeddingService service, Tracing tracing) {
        return proxy(EmbeddingService.class, service, (method, args) -> {
            if (method.getName().equals("create") && args != null && args.length > 0
                    && args[0] instanceof EmbeddingCreateParams params) {
                String model = params.model().asString();
                return tracing.span("embeddings " + model, SpanType.EMBEDDING, span -> {
                    start(span, model, json(params._body()));
                    span.otel().setAttribute("gen_ai.operation.name", "embeddings");
                    CreateEmbeddingResponse response = (CreateEmbeddingResponse) invoke(method, service, args);
                    Map<String, Object> outputs = new LinkedHashMap<>();
                    outputs.put("model", response.model());
                    outputs.put("embeddings", response.data().size());
                    span.setOutputs(outputs);
                    span.setModel(response.model());
                    span.setTokenUsage(response.usage().promptTokens(), 0);
                    return response;
                });
            }
            return invoke(method, service, args);
        });
    }

    private static void start(TracedSpan span, String model, JsonNode body) {
        span.setInputs(body);
        span.setModel(model);
        span.setAttribute("mlflow.llm.provider", "openai");
        span.otel().setAttribute("gen_ai.request.model", model);
        span.otel().setAttribute("gen_ai.operation.name", "chat");
    }

    private static JsonNode json(Object value) {
        return ObjectMappers.jsonMapper().valueToTree(value);
    }

    @FunctionalInterface
    private interface Call {
        Object apply(Method method, Object[] args) throws Throwable;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, Call call) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> call.apply(method, args));
    }

    private static Object invoke(Method method, Object target, Object[] args) {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
