package dev.osprey.server.traces;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.osprey.server.traces.translate.SpanForm;
import dev.osprey.server.traces.translate.SpanTranslation;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Stored span JSON as it is served. Spans stored by this version are served as they are (no parse); spans an earlier
 * version stored kept JSON-encoded values and were never translated, so they are brought to the current form and
 * translated when read — MLflow's {@code translate_loaded_span}: a GenAI span stored untyped is read as CHAT_MODEL
 * with its inputs, outputs and token usage.
 */
final class StoredSpans {
    private static final SpanTranslation TRANSLATION = SpanTranslation.mlflow();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private StoredSpans() {}

    static String served(String content) {
        if (!SpanForm.isEarlierForm(content)) {
            return content;
        }
        String current = SpanForm.current(content);
        try {
            Span.Builder span = Span.newBuilder();
            PARSER.merge(current, span);
            Span stored = span.build();
            Span translated = TRANSLATION.translate(stored);
            return translated == stored ? current : SpanJson.write(translated);
        } catch (InvalidProtocolBufferException e) {
            return current; // served as stored rather than not at all
        }
    }
}
