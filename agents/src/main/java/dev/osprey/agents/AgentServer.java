package dev.osprey.agents;

import dev.osprey.tracing.Tracing;
import io.helidon.webserver.WebServer;
import java.util.Optional;

/**
 * A ResponsesAgent served alone on its own port ({@code osprey agents serve}); to add the routes to an existing
 * Helidon app, register {@link AgentRoutes} in its routing instead.
 */
public final class AgentServer implements AutoCloseable {
    /** The MLflow version whose agent server protocol this speaks ({@code /agent/info}). */
    static final String MLFLOW_VERSION = "3.11.0";
    private final WebServer web;
    private final Optional<Tracing> tracing;

    private AgentServer(WebServer web, Optional<Tracing> tracing) {
        this.web = web;
        this.tracing = tracing;
    }

    public static AgentServer start(ResponsesAgent agent, String host, int port, Optional<Tracing> tracing,
            String name) {
        WebServer web = WebServer.builder().host(host).port(port)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .routing(r -> r.register(new AgentRoutes(agent, tracing, name)))
                .build().start();
        if (!web.isRunning()) {
            throw new IllegalArgumentException("Cannot listen on " + host + ":" + port + ": another process may use "
                    + "that port. Choose another with --port.");
        }
        return new AgentServer(web, tracing);
    }

    public int port() {
        return web.port();
    }

    @Override
    public void close() {
        web.stop();
        tracing.ifPresent(Tracing::close);
    }
}
