package dev.osprey.server.traces;

import dev.osprey.artifacts.ArtifactFile;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.core.OspreyException;
import dev.osprey.core.TraceInfo;
import dev.osprey.store.TraceStore;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spans that arrive as a {@code traces.json} upload (the TypeScript SDK always, older and racing Python clients):
 * when the artifact proxy has stored one in a trace's artifact location, its spans go through {@link TraceIngest}
 * like OTLP spans, so they are searchable and GetTrace serves them in the one span form. The file stays where the
 * client put it; should ingest fail, GetTrace still reads the file (converted on the way out).
 */
public final class TraceFiles implements Consumer<ArtifactPath> {
    private static final Logger LOG = LoggerFactory.getLogger(TraceFiles.class);
    /** Spans stored per store call while reading one file: bounds memory for a file of any size. */
    static final int BATCH = 1000;
    private static final Pattern TRACE_ID = Pattern.compile("tr-[0-9a-f]{32}");

    private final TraceStore traces;
    private final TraceIngest ingest;
    private final ArtifactRepository repository;

    public TraceFiles(TraceStore traces, TraceIngest ingest, ArtifactRepository repository) {
        this.traces = traces;
        this.ingest = ingest;
        this.repository = repository;
    }

    /** Called by the artifact proxy after it stored a file at {@code path} (relative to its destination). */
    @Override
    public void accept(ArtifactPath path) {
        List<String> s = path.segments();
        int n = s.size();
        if (n < 4 || !s.get(n - 1).equals("traces.json") || !s.get(n - 2).equals("artifacts")
                || !s.get(n - 4).equals("traces") || !TRACE_ID.matcher(s.get(n - 3)).matches()) {
            return;
        }
        String traceId = s.get(n - 3);
        try {
            Optional<TraceInfo> info = traces.getTraceInfo(traceId).filter(i -> ownsFolder(i, s.subList(0, n - 1)));
            if (info.isEmpty()) {
                return; // not (or not yet) a trace whose artifact location this is: the file is just a file
            }
            Optional<ArtifactFile> file = repository.open(path);
            if (file.isPresent()) {
                int stored = ingest(info.get(), file.get());
                LOG.debug("Stored {} spans of {} from its traces.json", stored, traceId);
            }
        } catch (OspreyException e) {
            LOG.warn("traces.json of {} not ingested ({}); GetTrace reads the file instead", traceId, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.error("traces.json of {} not ingested; GetTrace reads the file instead", traceId, e);
        }
    }

    /** Whether the trace's artifact location tag names the folder the file was uploaded to. */
    private static boolean ownsFolder(TraceInfo info, List<String> folder) {
        String location = info.tags().getOrDefault("mlflow.artifactLocation", "").replaceAll("/+$", "");
        return location.endsWith("/" + String.join("/", folder)) || location.endsWith(":" + String.join("/", folder));
    }

    private int ingest(TraceInfo info, ArtifactFile file) throws IOException {
        int[] stored = {0};
        List<Span> batch = new ArrayList<>(BATCH);
        try (InputStream in = file.open(0)) {
            boolean object = SpanDicts.eachDict(in, dict -> {
                batch.add(SpanDicts.toProto(dict, info.traceId()));
                if (batch.size() == BATCH) {
                    stored[0] += store(info, batch);
                }
            });
            if (!object) {
                throw OspreyException.invalid("traces.json is not a JSON object");
            }
        }
        return stored[0] + store(info, batch);
    }

    private int store(TraceInfo info, List<Span> batch) {
        int size = batch.size();
        if (size > 0) {
            List<String> rejected = ingest.ingest(info.experimentId(), List.copyOf(batch));
            if (!rejected.isEmpty()) {
                throw OspreyException.invalid(String.join("; ", rejected));
            }
            batch.clear();
        }
        return size;
    }
}
