package dev.osprey.cli;

import dev.osprey.agents.AgentServer;
import dev.osprey.agents.ResponsesAgent;
import dev.osprey.tracing.Tracing;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code osprey agents serve}: a Java ResponsesAgent behind MLflow's agent server protocol. */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "Serve Java agents over MLflow's agent "
        + "server protocol.", subcommands = AgentsCommand.Serve.class)
public final class AgentsCommand {
    private AgentsCommand() {}

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a ResponsesAgent: POST "
            + "/invocations and /responses (streamed with \"stream\": true), GET /agent/info, /health; each call "
            + "traced to the tracking server.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--class", required = true, paramLabel = "CLASS", description = "The agent: a class "
                + "implementing dev.osprey.agents.ResponsesAgent with a public no-argument constructor.")
        String className;

        @Option(names = "--jar", paramLabel = "JAR", description = "A jar holding the agent and what it needs "
                + "(repeatable).")
        List<Path> jars = List.of();

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: "
                + "${DEFAULT-VALUE}).")
        String host;

        @Option(names = {"-p", "--port"}, defaultValue = "8000", description = "Port (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--tracking-uri", description = "Trace every call to this Osprey (or MLflow) server "
                + "(default: MLFLOW_TRACKING_URI; without either, calls are not traced).",
                defaultValue = "${env:MLFLOW_TRACKING_URI}")
        String trackingUri;

        @Option(names = {"--experiment-id"}, defaultValue = "${env:MLFLOW_EXPERIMENT_ID:-0}", description = "The "
                + "experiment the traces go to (default: MLFLOW_EXPERIMENT_ID or ${DEFAULT-VALUE}).")
        String experimentId;

        @Option(names = "--name", defaultValue = "mlflow_agent_server", description = "The name /agent/info "
                + "reports (default: ${DEFAULT-VALUE}).")
        String name;

        PrintStream err = System.err;
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stop = new CountDownLatch(1);
        volatile AgentServer running;

        @Override
        public Integer call() throws Exception {
            ResponsesAgent agent;
            try {
                agent = load();
            } catch (IllegalArgumentException e) {
                err.println("osprey agents serve: " + e.getMessage());
                return 2;
            }
            Optional<Tracing> tracing = Optional.ofNullable(trackingUri).filter(u -> !u.isBlank())
                    .map(u -> Tracing.toServer(u, experimentId));
            running = AgentServer.start(agent, host, port, tracing, name);
            err.println("Serving " + className + " on http://" + host + ":" + running.port() + "/invocations and "
                    + "/responses" + tracing.map(t -> ", traced to experiment " + experimentId + " of " + trackingUri)
                    .orElse(" (not traced: no --tracking-uri)"));
            Runtime.getRuntime().addShutdownHook(new Thread(running::close));
            started.countDown();
            stop.await();
            running.close();
            return 0;
        }

        private ResponsesAgent load() {
            List<URL> urls = new ArrayList<>();
            for (Path jar : jars) {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalArgumentException("No jar at " + jar + ".");
                }
                try {
                    urls.add(jar.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new IllegalArgumentException(e);
                }
            }
            ClassLoader loader = urls.isEmpty() ? AgentsCommand.class.getClassLoader()
                    : new URLClassLoader("osprey-agent", urls.toArray(URL[]::new), AgentsCommand.class.getClassLoader());
            try {
                Class<?> type = Class.forName(className, true, loader);
                if (!ResponsesAgent.class.isAssignableFrom(type)) {
                    throw new IllegalArgumentException(className + " does not implement "
                            + ResponsesAgent.class.getName() + ".");
                }
                return (ResponsesAgent) type.getDeclaredConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("No class " + className + (jars.isEmpty() ? " on the class path; "
                        + "add its jar with --jar." : " in " + jars + "."), e);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("Cannot create " + className + ": it needs a public no-argument "
                        + "constructor (" + e.getClass().getSimpleName() + ").", e);
            }
        }
    }
}
