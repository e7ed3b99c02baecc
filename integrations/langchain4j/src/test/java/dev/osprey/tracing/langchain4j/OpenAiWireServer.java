package dev.osprey.tracing.langchain4j;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A local server answering {@code /v1/chat/completions} in OpenAI's wire format, decided per request body. */
final class OpenAiWireServer implements AutoCloseable {
    /** One answer: HTTP status and JSON body. */
    record Reply(int status, String body) {}

    private final HttpServer server;

    private OpenAiWireServer(HttpServer server) {
        this.server = server;
    }

    static OpenAiWireServer start(Function<String, Reply> answer) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            Reply reply = answer.apply(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return new OpenAiWireServer(server);
    }

    /** The base URL a LangChain4j OpenAI model is built with. */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
