package dev.osprey.server.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.http.Headers;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Helidon's HTTP/1.1 connections with what they lack for serving the open internet and proxies: read and write
 * deadlines ({@link HttpTimeouts}), closing after an answer that says {@code Connection: close} (Helidon reads on for
 * another request), and HTTP/1.0 requests — nginx's default {@code proxy_pass} and many load-balancer health checks
 * speak it, and Helidon answers them 505. An HTTP/1.0 request is read as HTTP/1.1 with {@code Connection: close}
 * ({@link Http10Request}) and its answer is sent without chunked framing ({@link Http10Answer}).
 *
 * <p>Install with {@code addConnectionSelector(GuardedHttp1.create(timeouts))} instead of the HTTP/1 protocol, and
 * {@link #requestEnds()} as the routing's first filter.
 */
public final class GuardedHttp1 implements ServerConnectionSelector {
    private final ServerConnectionSelector http1;
    private final HttpTimeouts timeouts;
    private final int maxPrologue;
    private final int maxHeaders;

    private GuardedHttp1(Http1Config config, HttpTimeouts timeouts) {
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
        this.timeouts = timeouts;
        this.maxPrologue = config.maxPrologueLength();
        this.maxHeaders = config.maxHeadersSize();
    }

    /**
     * The longest request line accepted: MLflow's server (uvicorn) takes request lines of 70 KB and more, and its
     * clients send long GETs (a batchGet of many trace ids, a bulk metric history of many runs); Helidon's default
     * would answer those 414.
     */
    static final int MAX_REQUEST_LINE = 256 * 1024;

    public static GuardedHttp1 create(HttpTimeouts timeouts) {
        return new GuardedHttp1(Http1Config.builder()
                .maxPrologueLength(MAX_REQUEST_LINE)
                .addReceiveListener(new Http1ConnectionListener() {
                    @Override
                    public void headers(ConnectionContext ctx, Headers headers) {
                        guard(ctx).ifPresent(guard -> {
                            guard.headRead();
                            closeIfSaid(guard, headers);
                        });
                    }
                })
                .addSendListener(new Http1ConnectionListener() {
                    @Override
                    public void headers(ConnectionContext ctx, Headers headers) {
                        guard(ctx).ifPresent(guard -> closeIfSaid(guard, headers));
                    }
                })
                .build(), timeouts);
    }

    /** A request or a handler's answer saying {@code Connection: close} ends the connection after the answer. */
    private static void closeIfSaid(ConnectionGuard guard, Headers headers) {
        if (headers.containsToken(HeaderValues.CONNECTION_CLOSE)) {
            guard.closeAfterAnswer();
        }
    }

    /** The filter that tells a connection its request is over, so the wait for the next one is the idle timeout. */
    public static Filter requestEnds() {
        return (chain, req, res) -> {
            try {
                chain.proceed();
            } finally {
                ConnectionGuard.current().ifPresent(ConnectionGuard::requestEnded);
            }
        };
    }

    private static Optional<ConnectionGuard> guard(ConnectionContext ctx) {
        return ctx instanceof Guarded g ? Optional.of(g.guard) : Optional.empty();
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new Connection(ctx);
    }

    private final class Connection implements ServerConnection {
        private final ConnectionContext ctx;
        private volatile ServerConnection http;
        private volatile boolean closed;

        Connection(ConnectionContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            ConnectionGuard guard = ConnectionGuard.open(timeouts, ctx.serverSocket());
            try {
                DataReader socket = ctx.dataReader();
                Optional<byte[]> http10 = Http10Request.readHead(socket, guard, maxPrologue, maxHeaders,
                        hostOf(ctx.localPeer()));
                DataWriter writer = new TimedWriter(ctx.dataWriter(), guard);
                Guarded guarded = new Guarded(ctx, guard, new DataReader(new TimedSupplier(socket, ctx.serverSocket(),
                        guard, http10.orElse(null))), http10.isPresent() ? new Http10Answer(writer) : writer);
                http = http1.connection(guarded);
                if (closed) {
                    http.close(true);
                }
                http.handle(limit);
            } catch (DataReader.InsufficientDataAvailableException e) {
                throw new CloseConnectionException("Connection closed before a request", e);
            } catch (RuntimeException e) {
                if (guard.expired()) {
                    throw new CloseConnectionException("Connection timed out", e);
                }
                throw e;
            } finally {
                guard.release();
            }
        }

        @Override
        public Duration idleTime() {
            ServerConnection current = http;
            return current == null ? Duration.ZERO : current.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            closed = true;
            ServerConnection current = http;
            if (current != null) {
                current.close(interrupt);
            }
        }
    }

    private static String hostOf(PeerInfo local) {
        String host = local.host();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + local.port();
    }

    /**
     * The bytes of the socket, each read under the guard's deadline, after any rewritten HTTP/1.0 head and whatever
     * Helidon's own reader already holds. Reads go to the socket directly: through Helidon's reader each read would
     * be copied once more.
     */
    private static final class TimedSupplier implements java.util.function.Supplier<byte[]> {
        private final DataReader buffered;
        private final HelidonSocket socket;
        private final ConnectionGuard guard;
        private byte[] pending;

        TimedSupplier(DataReader buffered, HelidonSocket socket, ConnectionGuard guard, byte[] pending) {
            this.buffered = buffered;
            this.socket = socket;
            this.guard = guard;
            this.pending = pending;
        }

        @Override
        public byte[] get() {
            if (pending != null) {
                byte[] head = pending;
                pending = null;
                return head;
            }
            if (buffered.available() > 0) {
                return buffered.readBytes(buffered.available());
            }
            if (guard.closing()) {
                return null; // Helidon reads on after "Connection: close"; the end of data ends the connection
            }
            byte[] bytes = null;
            guard.beforeRead();
            try {
                bytes = socket.get();
                return bytes;
            } catch (RuntimeException e) {
                if (guard.expired()) {
                    return null;
                }
                throw new ServerConnectionException("Failed to get data from socket", e);
            } finally {
                guard.afterRead(bytes == null ? 0 : bytes.length);
            }
        }
    }

    /** Writes under the guard's deadline: a client that stops reading an answer cannot hold the connection. */
    private record TimedWriter(DataWriter socket, ConnectionGuard guard) implements DataWriter {
        @Override
        public void write(BufferData... buffers) {
            timed(() -> socket.write(buffers));
        }

        @Override
        public void write(BufferData buffer) {
            timed(() -> socket.write(buffer));
        }

        @Override
        public void writeNow(BufferData... buffers) {
            timed(() -> socket.writeNow(buffers));
        }

        @Override
        public void writeNow(BufferData buffer) {
            timed(() -> socket.writeNow(buffer));
        }

        @Override
        public void flush() {
            timed(socket::flush);
        }

        private void timed(Runnable write) {
            guard.beforeWrite();
            try {
                write.run();
            } finally {
                guard.afterWrite();
            }
        }
    }

    /** The connection's context with the guarded reader and writer; the rest is Helidon's. */
    private record Guarded(ConnectionContext ctx, ConnectionGuard guard, DataReader dataReader, DataWriter dataWriter)
            implements ConnectionContext {
        @Override
        public ListenerContext listenerContext() {
            return ctx.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return ctx.executor();
        }

        @Override
        public Router router() {
            return ctx.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return ctx.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return ctx.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return ctx.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return ctx.localPeer();
        }

        @Override
        public boolean isSecure() {
            return ctx.isSecure();
        }

        @Override
        public String socketId() {
            return ctx.socketId();
        }

        @Override
        public String childSocketId() {
            return ctx.childSocketId();
        }
    }
}
