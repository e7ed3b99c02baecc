package dev.osprey.server.traces.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import org.junit.jupiter.api.Test;

/** Span JSON stored before the one span form is served in it; current JSON is passed through untouched. */
class SpanFormTest {

    @Test
    void spansStoredWithEncodedValues_areDecodedWhenRead() throws Exception {
        String old = "{\"trace_id\":\"AAAAAAAAAAAAAAAAAAAAAQ==\",\"span_id\":\"AAAAAAAAAAE=\",\"name\":\"s\","
                + "\"attributes\":[{\"key\":\"mlflow.spanType\",\"value\":{\"string_value\":\"\\\"LLM\\\"\"}},"
                + "{\"key\":\"mlflow.spanInputs\",\"value\":{\"string_value\":\"{\\\"q\\\": [1, 2.5, true]}\"}},"
                + "{\"key\":\"plain\",\"value\":{\"string_value\":\"not json {\"}},"
                + "{\"key\":\"n\",\"value\":{\"int_value\":7}},"
                + "{\"key\":\"mlflow.traceRequestId\",\"value\":{\"string_value\":\"\\\"tr-0001\\\"\"}}],"
                + "\"events\":[{\"name\":\"e\",\"attributes\":[{\"key\":\"k\",\"value\":{\"string_value\":\"\\\"v\\\"\"}}]}]}";
        JsonNode span = Json.read(SpanForm.current(old));
        assertThat(SpanForm.attribute(span, "mlflow.spanType").asText()).isEqualTo("LLM");
        assertThat(span.at("/attributes/0/value/string_value").asText()).isEqualTo("LLM");
        assertThat(span.at("/attributes/1/value/kvlist_value/values/0/value/array_value/values").toString())
                .isEqualTo("[{\"int_value\":1},{\"double_value\":2.5},{\"bool_value\":true}]");
        assertThat(span.at("/attributes/2/value/string_value").asText()).isEqualTo("not json {");
        assertThat(span.at("/attributes/3/value/int_value").asLong()).isEqualTo(7);
        assertThat(span.at("/attributes/4/value/string_value").asText()).isEqualTo("tr-0001");
        assertThat(span.at("/events/0/attributes/0/value/string_value").asText()).isEqualTo("v");
    }

    @Test
    void currentSpans_arePassedThroughWithoutParsing() {
        String current = "{\"attributes\":[{\"key\":\"mlflow.traceRequestId\",\"value\":{\"string_value\":"
                + "\"tr-0001\"}},{\"key\":\"x\",\"value\":{\"string_value\":\"\\\"quoted on purpose\\\"\"}}]}";
        assertThat(SpanForm.current(current)).isSameAs(current);
    }
}
