package dev.osprey.server.traces;

import dev.osprey.core.OspreyException;
import dev.osprey.server.api.Failures;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.auth.Permission;
import dev.osprey.server.workspaces.Workspaces;
import dev.osprey.server.workspaces.http.WorkspaceFilter;
import dev.osprey.store.AuthStore;
import dev.osprey.store.WorkspaceStore;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.util.List;
import java.util.Optional;

/**
 * OTLP over gRPC ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}, the OpenTelemetry Collector's
 * default exporter protocol), through the same {@link TraceIngest} as OTLP/HTTP. The experiment comes from the
 * {@code x-mlflow-experiment-id} metadata, as from the HTTP header. Answers map as OTLP's retry rules expect: a
 * client's mistake is {@code INVALID_ARGUMENT} (not retried, like HTTP's 4xx), the server's own failure and a full
 * server are {@code UNAVAILABLE} (retried, like 503); exports in flight share OTLP/HTTP's slots
 * ({@link TraceIngest#admitted}). With auth on, calls authenticate with the same {@code authorization} credentials as
 * HTTP and need UPDATE on the experiment, as {@code POST /v1/traces} does; with workspaces on, the experiment must be
 * in the call's workspace ({@code x-mlflow-workspace}, as the HTTP header).
 */
public final class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
    static final Metadata.Key<String> EXPERIMENT_HEADER = Metadata.Key.of("x-mlflow-experiment-id",
            Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> WORKSPACE_HEADER = Metadata.Key.of("x-mlflow-workspace",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> EXPERIMENT = Context.key("osprey-experiment-id");
    private static final String METHOD = "gRPC TraceService/Export";

    private final TraceIngest ingest;

    public OtlpGrpcService(TraceIngest ingest) {
        this.ingest = ingest;
    }

    @Override
    public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
        try {
            Optional<List<String>> rejected = ingest.admitted(() -> ingest.ingest(EXPERIMENT.get(),
                    OtlpRequests.spans(request)));
            if (rejected.isEmpty()) {
                observer.onError(Status.UNAVAILABLE.withDescription("The server is busy ingesting traces; retry "
                        + "shortly.").asRuntimeException());
            } else if (!rejected.get().isEmpty()) {
                observer.onError(Status.INVALID_ARGUMENT.withDescription("Failed to log OpenTelemetry spans: "
                        + String.join("; ", rejected.get())).asRuntimeException());
            } else {
                observer.onNext(ExportTraceServiceResponse.getDefaultInstance());
                observer.onCompleted();
            }
        } catch (OtlpRequests.Rejected | OspreyException e) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            observer.onError(Status.UNAVAILABLE.withDescription("Interrupted; retry.").asRuntimeException());
        } catch (RuntimeException e) {
            String id = Failures.log(METHOD, e);
            observer.onError(Status.UNAVAILABLE.withDescription("The server could not store the spans; retry "
                    + "(request " + id + ").").asRuntimeException());
        }
    }

    /**
     * Who may export into which experiment, checked before the call reaches {@link #export}: the experiment
     * metadata is required; with workspaces on, the experiment must be in the workspace the
     * {@code x-mlflow-workspace} metadata names (the default one without it), one the caller may enter; with auth on,
     * the caller must authenticate and hold UPDATE on the experiment. A foreign experiment answers like a missing one.
     */
    public static ServerInterceptor callerCheck(Optional<AuthService> auth, Optional<Workspaces> workspaces) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                Optional<String> experiment = Optional.ofNullable(headers.get(EXPERIMENT_HEADER))
                        .filter(s -> !s.isBlank());
                if (experiment.isEmpty()) {
                    return refuse(call, Status.INVALID_ARGUMENT.withDescription("Missing required metadata "
                            + "x-mlflow-experiment-id: the experiment that receives the spans."));
                }
                try {
                    Optional<AuthStore.User> user = Optional.empty();
                    if (auth.isPresent()) {
                        user = auth.get().authenticate(Optional.ofNullable(headers.get(AUTHORIZATION)));
                        if (user.isEmpty()) {
                            return refuse(call, Status.UNAUTHENTICATED.withDescription("Authenticate with the "
                                    + "authorization metadata (Basic or Bearer), as over HTTP."));
                        }
                    }
                    Optional<String> workspace = inWorkspace(workspaces, auth, user,
                            Optional.ofNullable(headers.get(WORKSPACE_HEADER)).filter(s -> !s.isBlank()),
                            experiment.get());
                    if (auth.isPresent()) {
                        auth.get().require(user.orElseThrow(), AuthStore.ResourceType.EXPERIMENT, experiment.get(),
                                Permission.Need.UPDATE, workspace);
                    }
                } catch (OspreyException e) {
                    return refuse(call, status(e).withDescription(e.getMessage()));
                } catch (RuntimeException e) {
                    String id = Failures.log(METHOD, e);
                    return refuse(call, Status.UNAVAILABLE.withDescription("Could not check the caller; retry "
                            + "(request " + id + ")."));
                }
                return Contexts.interceptCall(Context.current().withValue(EXPERIMENT, experiment.get()), call,
                        headers, next);
            }
        };
    }

    /** The workspace of the call (empty with workspaces off), after checking the experiment is in it. */
    private static Optional<String> inWorkspace(Optional<Workspaces> workspaces, Optional<AuthService> auth,
            Optional<AuthStore.User> user, Optional<String> header, String experiment) {
        if (workspaces.isEmpty()) {
            if (header.isPresent()) {
                throw OspreyException.invalid("Workspaces are not enabled on this server: remove the "
                        + "x-mlflow-workspace metadata, or start the server with --enable-workspaces.");
            }
            return Optional.empty();
        }
        String name = workspaces.get().resolve(header).name();
        if (auth.isPresent() && !WorkspaceFilter.mayEnter(auth.get(), user.orElseThrow(), name)) {
            throw Workspaces.notFound(name); // as for a workspace that does not exist
        }
        Optional<String> workspace = Optional.of(name);
        workspaces.get().require(workspace, WorkspaceStore.Kind.EXPERIMENT, experiment,
                AccessPolicy.noExperiment(experiment));
        return workspace;
    }

    /** gRPC's status for a refusal: what the client must fix, never one an exporter retries. */
    private static Status status(OspreyException e) {
        return switch (e.errorCode()) {
            case RESOURCE_DOES_NOT_EXIST -> Status.NOT_FOUND;
            case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
            case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
            default -> Status.INVALID_ARGUMENT;
        };
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() { };
    }
}
