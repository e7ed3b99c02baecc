package dev.osprey.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Tracing for Java code, built on the OpenTelemetry SDK and exported over OTLP to an Osprey or MLflow server (or any
 * OTLP endpoint). Spans carry MLflow's conventions (type, JSON inputs and outputs, token usage), nest through the
 * OpenTelemetry context, follow work onto other threads ({@link #wrap}) and into other services (W3C
 * {@code traceparent}, {@link #inject} / {@link #extract}).
 *
 * <pre>{@code
 * try (Tracing tracing = Tracing.toServer("http://127.0.0.1:5000", experimentId)) {
 *     String answer = tracing.span("answer", SpanType.AGENT, span -> {
 *         span.setInputs(Map.of("question", question));
 *         return tracing.span("llm", SpanType.LLM, llm -> model.chat(question));
 *     });
 * }
 * }</pre>
 */
public final class Tracing implements AutoCloseable {
    private static final String SCOPE = "dev.osprey.tracing";
    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            for (Map.Entry<String, String> e : carrier.entrySet()) {
                if (e.getKey().equalsIgnoreCase(key)) {
                    return e.getValue();
                }
            }
            return null;
        }
    };

    private static final TextMapGetter<com.sun.net.httpserver.Headers> HEADERS_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(com.sun.net.httpserver.Headers carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(com.sun.net.httpserver.Headers carrier, String key) {
            return carrier == null ? null : carrier.getFirst(key);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get(SCOPE);
    }

    /** Spans batched and sent (gzip, retried) to {@code <trackingUri>/v1/traces} into the given experiment. */
    public static Tracing toServer(String trackingUri, String experimentId) {
        String base = trackingUri.endsWith("/") ? trackingUri.substring(0, trackingUri.length() - 1) : trackingUri;
        return toExporter(OtlpHttpSpanExporter.builder()
                .setEndpoint(base + "/v1/traces")
                .addHeader("x-mlflow-experiment-id", experimentId)
                .setCompression("gzip")
                .setTimeout(Duration.ofSeconds(30))
                .build());
    }

    /** Spans batched into any exporter (another OTLP endpoint, a test exporter). */
    public static Tracing toExporter(SpanExporter exporter) {
        return new Tracing(SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(io.opentelemetry.api.common.Attributes.of(
                        AttributeKey.stringKey("service.name"), "osprey-java"))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(200)).build())
                .build());
    }

    /** Runs {@code body} in a new span (a child of the current one), ending it however the body ends. */
    public <T> T span(String name, SpanType type, Function<TracedSpan, T> body) {
        Span span = tracer.spanBuilder(name).setParent(Context.current()).startSpan();
        span.setAttribute("mlflow.spanType", TracedSpan.json(type.name()));
        TracedSpan traced = new TracedSpan(span);
        try (Scope ignored = span.makeCurrent()) {
            T result = body.apply(traced);
            span.setStatus(StatusCode.OK);
            return result;
        } catch (RuntimeException | Error e) {
            traced.setError(e);
            throw e;
        } finally {
            span.end();
        }
    }

    /**
     * Starts a span that the caller ends ({@link TracedSpan#end}), for callbacks that see a call begin and end in
     * different methods (model listeners). Its parent is the current span.
     */
    public TracedSpan startSpan(String name, SpanType type) {
        Span span = tracer.spanBuilder(name).setParent(Context.current()).startSpan();
        span.setAttribute("mlflow.spanType", TracedSpan.json(type.name()));
        return new TracedSpan(span);
    }

    /**
     * Starts a span under {@code parent} that began at {@code start}, for callbacks that only hear of work once it is
     * done (a framework's "tool executed" event). The caller ends it.
     */
    public TracedSpan startSpan(String name, SpanType type, TracedSpan parent, java.time.Instant start) {
        Span span = tracer.spanBuilder(name).setParent(Context.current().with(parent.otel()))
                .setStartTimestamp(start).startSpan();
        span.setAttribute("mlflow.spanType", TracedSpan.json(type.name()));
        return new TracedSpan(span);
    }

    /** {@link #span(String, SpanType, Function)} for a body with a checked exception. */
    public <T> T spanChecked(String name, SpanType type, Callable<T> body) throws Exception {
        Span span = tracer.spanBuilder(name).setParent(Context.current()).startSpan();
        span.setAttribute("mlflow.spanType", TracedSpan.json(type.name()));
        try (Scope ignored = span.makeCurrent()) {
            T result = body.call();
            span.setStatus(StatusCode.OK);
            return result;
        } catch (Exception e) {
            new TracedSpan(span).setError(e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** A proxy of {@code target} whose {@link Traced} methods run in spans (inputs: arguments, outputs: result). */
    @SuppressWarnings("unchecked")
    public <T> T traced(Class<T> iface, T target) {
        Objects.requireNonNull(target, "target");
        InvocationHandler handler = (proxy, method, args) -> {
            Traced annotation = annotation(method, target);
            if (annotation == null) {
                return invoke(method, target, args);
            }
            String name = annotation.name().isEmpty() ? method.getName() : annotation.name();
            return spanChecked(name, annotation.type(), () -> {
                TracedSpan current = new TracedSpan(Span.current());
                current.setAttribute("mlflow.spanFunctionName", method.getName());
                current.setInputs(inputs(method, args));
                Object result = invoke(method, target, args);
                if (method.getReturnType() != void.class) {
                    current.setOutputs(result);
                }
                return result;
            });
        };
        return (T) Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, handler);
    }

    private static Traced annotation(Method method, Object target) {
        Traced onInterface = method.getAnnotation(Traced.class);
        if (onInterface != null) {
            return onInterface;
        }
        try {
            return target.getClass().getMethod(method.getName(), method.getParameterTypes()).getAnnotation(Traced.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Exception {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw (Error) e.getCause();
        }
    }

    /** Arguments by parameter name (names need {@code -parameters}; otherwise arg0, arg1, ...). */
    private static Map<String, Object> inputs(Method method, Object[] args) {
        Map<String, Object> inputs = new LinkedHashMap<>();
        Parameter[] parameters = method.getParameters();
        for (int i = 0; args != null && i < args.length; i++) {
            inputs.put(parameters[i].getName(), args[i]);
        }
        return inputs;
    }

    /** A task that runs in the caller's trace context on whatever thread runs it. */
    public static Runnable wrap(Runnable task) {
        return Context.current().wrap(task);
    }

    public static <T> Callable<T> wrap(Callable<T> task) {
        return Context.current().wrap(task);
    }

    /** An executor whose tasks continue the trace of the thread that submitted them. */
    public static ExecutorService propagating(ExecutorService executor) {
        return Context.taskWrapping(executor);
    }

    /** Adds the W3C {@code traceparent} (and {@code tracestate}) of the current span to an outgoing request. */
    public static void inject(BiConsumer<String, String> header) {
        W3CTraceContextPropagator.getInstance().inject(Context.current(), header, (h, k, v) -> h.accept(k, v));
    }

    /** Runs {@code body} as part of the trace an incoming request's headers carry (a server-side filter's job). */
    public <T> T continueTrace(Map<String, String> headers, Function<Tracing, T> body) {
        Context remote = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, MAP_GETTER);
        try (Scope ignored = remote.makeCurrent()) {
            return body.apply(this);
        }
    }

    /** Adds the current trace's {@code traceparent} to a JDK HTTP client request, so the callee continues it. */
    public static java.net.http.HttpRequest.Builder propagate(java.net.http.HttpRequest.Builder request) {
        inject(request::header);
        return request;
    }

    /**
     * A filter for the JDK's {@code HttpServer}: each exchange runs in a span named {@code "<METHOD> <path>"} that
     * continues the caller's trace when the request carries a {@code traceparent}; a 5xx answer or an exception
     * marks it as an error. Spans the handler opens become its children.
     */
    public com.sun.net.httpserver.Filter serverFilter() {
        return new com.sun.net.httpserver.Filter() {
            @Override
            public void doFilter(com.sun.net.httpserver.HttpExchange exchange, Chain chain) throws IOException {
                Context remote = W3CTraceContextPropagator.getInstance().extract(Context.root(),
                        exchange.getRequestHeaders(), HEADERS_GETTER);
                String method = exchange.getRequestMethod();
                String path = exchange.getRequestURI().getPath();
                Span span = tracer.spanBuilder(method + " " + path).setParent(remote)
                        .setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER).startSpan();
                span.setAttribute("mlflow.spanType", TracedSpan.json(SpanType.CHAIN.name()));
                span.setAttribute("http.request.method", method);
                span.setAttribute("url.path", path);
                try (Scope ignored = span.makeCurrent()) {
                    chain.doFilter(exchange);
                    int status = exchange.getResponseCode();
                    span.setAttribute("http.response.status_code", status);
                    span.setStatus(status >= 500 ? StatusCode.ERROR : StatusCode.OK);
                } catch (IOException | RuntimeException | Error e) {
                    new TracedSpan(span).setError(e);
                    throw e;
                } finally {
                    span.end();
                }
            }

            @Override
            public String description() {
                return "Osprey tracing: continues W3C trace context and records a span per exchange";
            }
        };
    }

    /** Sends everything recorded so far; waits up to {@code timeout}. */
    public boolean flush(Duration timeout) {
        return provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
    }

    /** Flushes and stops the exporter. */
    @Override
    public void close() {
        provider.shutdown().join(30, TimeUnit.SECONDS);
    }
}
