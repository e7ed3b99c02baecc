package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.TraceInfo;
import dev.osprey.eval.EvalItem;
import dev.osprey.search.Comparator;
import dev.osprey.search.Condition;
import dev.osprey.search.Field;
import dev.osprey.search.Ordering;
import dev.osprey.search.Value;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A session's traces read as one conversation for session-level judges, as MLflow builds it: the traces in time
 * order, each one a user turn (its inputs) and an assistant turn (its outputs); the session's ground truth is the
 * expectations on its first trace, where MLflow's simulator and {@code evaluate} put them.
 */
public final class SessionItems {
    /** MLflow's trace metadata key for a trace's session. */
    public static final String SESSION = "mlflow.trace.session";
    /** Traces of one session judged at most; a longer session is judged on its first ones. */
    static final int MAX_TRACES = 1000;
    private final TraceStore traces;
    private final TraceItems items;

    public SessionItems(TraceStore traces) {
        this.traces = traces;
        this.items = new TraceItems(traces);
    }

    /**
     * One session as a judge reads it.
     *
     * @param traceIds the session's traces in time order; feedback goes on the first
     */
    public record StoredSession(String sessionId, List<String> traceIds, EvalItem item) {
        public StoredSession {
            if (traceIds.isEmpty()) {
                throw new IllegalArgumentException("A session has at least one trace.");
            }
            traceIds = List.copyOf(traceIds);
        }

        public String firstTraceId() {
            return traceIds.getFirst();
        }
    }

    /** Every trace of the experiment's session (up to {@link #MAX_TRACES}), oldest first. */
    public Optional<StoredSession> read(String experimentId, String sessionId) {
        List<Condition> filter = List.of(new Condition(Field.METADATA, SESSION, Comparator.EQ,
                new Value.Text(sessionId)));
        List<Ordering> order = List.of(new Ordering(Field.ATTRIBUTE, "timestamp_ms", true));
        List<String> ids = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Page<TraceInfo> page = traces.searchTraces(new TraceQuery(List.of(experimentId), filter, order,
                    Math.min(500, MAX_TRACES - ids.size()), token));
            page.items().forEach(t -> ids.add(t.traceId()));
            token = page.nextPageToken();
        } while (token.isPresent() && ids.size() < MAX_TRACES);
        return ids.isEmpty() ? Optional.empty() : Optional.of(of(sessionId, ids));
    }

    /** The given traces of a session as one conversation, put in time order. */
    public StoredSession of(String sessionId, List<String> traceIds) {
        List<TraceItems.StoredTrace> stored = new ArrayList<>();
        for (String id : traceIds) {
            stored.add(items.read(id));
        }
        stored.sort(java.util.Comparator.comparingLong((TraceItems.StoredTrace t) -> t.info().requestTimeMs())
                .thenComparing(t -> t.info().traceId()));
        List<EvalItem.Turn> turns = new ArrayList<>();
        for (TraceItems.StoredTrace t : stored) {
            turns.add(new EvalItem.Turn("user", Turns.text(t.inputs())));
            turns.add(new EvalItem.Turn("assistant", Turns.text(t.outputs())));
        }
        ObjectNode expectations = stored.getFirst().expectations();
        return new StoredSession(sessionId, stored.stream().map(t -> t.info().traceId()).toList(),
                EvalItem.session(turns, expectations));
    }

    /** The session a trace belongs to, when it has one. */
    public static Optional<String> sessionOf(TraceInfo trace) {
        return Optional.ofNullable(trace.metadata().get(SESSION)).filter(s -> !s.isBlank());
    }

    static OspreyException noSession(String traceId) {
        return OspreyException.invalid("Trace " + traceId + " has no session; a session-level scorer judges the "
                + "traces of a session.");
    }
}
