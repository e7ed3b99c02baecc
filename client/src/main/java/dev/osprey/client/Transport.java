package dev.osprey.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * JSON over HTTP with MLflow's error contract: non-2xx answers become typed exceptions; 429, 502-504, an
 * INTERNAL_ERROR 500 and connection failures are retried with exponential backoff and jitter.
 */
final class Transport {
    private final HttpClient http;
    private final String baseUrl;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration requestTimeout;

    Transport(String baseUrl, int maxAttempts, Duration initialBackoff, Duration requestTimeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    Message post(String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        return send(request, path);
    }

    /** An OTLP/JSON export of spans into an experiment ({@code /v1/traces}). */
    void otlp(String experimentId, ObjectNode request) {
        exchange(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/traces")).timeout(requestTimeout)
                .header("Content-Type", "application/json").header("x-mlflow-experiment-id", experimentId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(request))).build(),
                HttpResponse.BodyHandlers.discarding(), "/v1/traces");
    }

    /** PATCH or DELETE with a JSON body, as the registry's update and delete RPCs take them. */
    Message send(String method, String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        return send(request, path);
    }

    Message get(String path, Map<String, List<String>> query) {
        StringBuilder url = new StringBuilder(baseUrl).append(path);
        char sep = '?';
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            for (String v : e.getValue()) {
                url.append(sep).append(encode(e.getKey())).append('=').append(encode(v));
                sep = '&';
            }
        }
        return send(HttpRequest.newBuilder(URI.create(url.toString())).GET(), path);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Message send(HttpRequest.Builder builder, String path) {
        HttpRequest request = builder.timeout(requestTimeout).header("Accept", "application/json").build();
        return parse(exchange(request, HttpResponse.BodyHandlers.ofByteArray(), path).body());
    }

    String baseUrl() {
        return baseUrl;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Sends a request until it succeeds or fails for good, with the retry policy of every call; a 2xx answer is
     * returned, anything else becomes a typed exception (the body of an error answer is read as MLflow's error
     * JSON when it is that).
     */
    <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what) {
        long backoff = initialBackoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> failed;
            try {
                HttpResponse<T> response = http.send(request, info -> info.statusCode() / 100 == 2
                        ? new TypedSubscriber<>(handler.apply(info))
                        : new TypedSubscriber<>(HttpResponse.BodySubscribers.ofByteArray()));
                if (response.statusCode() / 100 == 2) {
                    return response;
                }
                @SuppressWarnings("unchecked")
                HttpResponse<byte[]> error = (HttpResponse<byte[]>) (HttpResponse<?>) response;
                failed = error;
            } catch (IOException e) {
                if (attempt >= maxAttempts) {
                    throw new OspreyClientException(ErrorCode.TEMPORARILY_UNAVAILABLE, 0, "Cannot reach " + what
                            + " after " + attempt + " attempts: " + e);
                }
                backoff = sleep(backoff);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OspreyClientException(ErrorCode.CANCELLED, 0, "Interrupted calling " + what);
            }
            int status = failed.statusCode();
            OspreyClientException error = error(status, failed.body(), what);
            if (attempt >= maxAttempts || !retryable(status, error.errorCode())) {
                throw error;
            }
            backoff = sleep(backoff);
        }
    }

    /** Lets one send() read a success body one way and an error body as bytes. */
    private record TypedSubscriber<T>(HttpResponse.BodySubscriber<?> inner) implements HttpResponse.BodySubscriber<T> {
        @Override
        @SuppressWarnings("unchecked")
        public java.util.concurrent.CompletionStage<T> getBody() {
            return (java.util.concurrent.CompletionStage<T>) inner.getBody();
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            inner.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<java.nio.ByteBuffer> item) {
            inner.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            inner.onError(throwable);
        }

        @Override
        public void onComplete() {
            inner.onComplete();
        }
    }

    private static boolean retryable(int status, ErrorCode code) {
        return status == 429 || status == 502 || status == 503 || status == 504
                || (status == 500 && code == ErrorCode.INTERNAL_ERROR);
    }

    private static long sleep(long backoff) {
        try {
            Thread.sleep(backoff / 2 + (long) (Math.random() * backoff / 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyClientException(ErrorCode.CANCELLED, 0, "Interrupted while backing off");
        }
        return Math.min(backoff * 2, 10_000);
    }

    private static Message parse(byte[] body) {
        if (body.length == 0) {
            return Message.empty();
        }
        try {
            JsonNode node = Json.read(body);
            return node instanceof ObjectNode object ? Message.ofJson(object) : Message.empty();
        } catch (IOException e) {
            throw new OspreyClientException(ErrorCode.INTERNAL_ERROR, 200, "The server answered with invalid JSON: "
                    + e.getMessage());
        }
    }

    private static OspreyClientException error(int status, byte[] body, String path) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode node = Json.read(body);
            if (node != null && node.has("error_code")) {
                return OspreyClientException.of(ErrorCode.fromName(node.get("error_code").asText()), status,
                        node.path("message").asText(""));
            }
        } catch (IOException ignored) {
            // not JSON: fall through to a status-based error
        }
        ErrorCode code = switch (status) {
            case 400 -> ErrorCode.BAD_REQUEST;
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.PERMISSION_DENIED;
            case 404 -> ErrorCode.ENDPOINT_NOT_FOUND;
            case 429 -> ErrorCode.REQUEST_LIMIT_EXCEEDED;
            case 503 -> ErrorCode.TEMPORARILY_UNAVAILABLE;
            default -> ErrorCode.INTERNAL_ERROR;
        };
        return OspreyClientException.of(code, status, "HTTP " + status + " from " + path
                + (text.isBlank() ? "" : ": " + (text.length() > 300 ? text.substring(0, 300) + "..." : text)));
    }
}
