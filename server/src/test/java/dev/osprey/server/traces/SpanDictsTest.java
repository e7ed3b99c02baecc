package dev.osprey.server.traces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Every span dict form clients write (spec/tracing.md §5) reads as the same OTel span. */
class SpanDictsTest {
    private static final String TRACE = "tr-0123456789abcdef0123456789abcdef";

    private static Span read(String json) throws Exception {
        return SpanDicts.toProto(Json.read(json), TRACE);
    }

    @Test
    void versions2_3And35_readAlike() throws Exception {
        Span v3 = read("{\"trace_id\": \"ASNFZ4mrze8BI0VniavN7w==\", \"span_id\": \"ESIzRFVmd4g=\", "
                + "\"parent_span_id\": \"AAAAAAAAAAE=\", \"name\": \"llm\", \"start_time_unix_nano\": 1795715395429160437, "
                + "\"end_time_unix_nano\": 1795715395529160437, \"status\": {\"code\": \"STATUS_CODE_ERROR\", "
                + "\"message\": \"boom\"}, \"attributes\": {\"mlflow.spanType\": \"\\\"LLM\\\"\"}, \"events\": [{\"name\": "
                + "\"exception\", \"time_unix_nano\": 1795715395529160000, \"attributes\": {\"exception.type\": "
                + "\"ValueError\"}}]}");
        Span v35 = read("{\"trace_id\": \"" + TRACE + "\", \"span_id\": \"1122334455667788\", \"parent_span_id\": "
                + "\"0000000000000001\", \"name\": \"llm\", \"start_time_unix_nano\": 1795715395429160437, "
                + "\"end_time_unix_nano\": 1795715395529160437, \"status\": {\"code\": \"ERROR\", \"message\": \"boom\"}, "
                + "\"attributes\": {\"mlflow.spanType\": \"\\\"LLM\\\"\"}, \"events\": [{\"name\": \"exception\", "
                + "\"time_unix_nano\": 1795715395529160000, \"attributes\": {\"exception.type\": \"ValueError\"}}]}");
        Span v2 = read("{\"context\": {\"trace_id\": \"0x0123456789abcdef0123456789abcdef\", \"span_id\": "
                + "\"0x1122334455667788\"}, \"parent_id\": \"0x0000000000000001\", \"name\": \"llm\", \"start_time\": "
                + "1795715395429160437, \"end_time\": 1795715395529160437, \"status_code\": \"ERROR\", "
                + "\"status_message\": \"boom\", \"attributes\": {\"mlflow.spanType\": \"\\\"LLM\\\"\"}, \"events\": "
                + "[{\"name\": \"exception\", \"timestamp\": 1795715395529160000, \"attributes\": {\"exception.type\": "
                + "\"ValueError\"}}]}");
        assertThat(v3).isEqualTo(v35).isEqualTo(v2);
        assertThat(HexFormat.of().formatHex(v3.getSpanId().toByteArray())).isEqualTo("1122334455667788");
        assertThat(v3.getStartTimeUnixNano()).isEqualTo(1795715395429160437L);
        assertThat(v3.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(v3.getEvents(0).getAttributes(0).getValue().getStringValue()).isEqualTo("ValueError");
    }

    @Test
    void aRootHasNoParent_andAnythingElseIsRefused() throws Exception {
        assertThat(read("{\"trace_id\": \"x\", \"span_id\": \"ESIzRFVmd4g=\", \"parent_span_id\": null, \"name\": \"r\", "
                + "\"start_time_unix_nano\": 1, \"status\": {\"code\": \"STATUS_CODE_OK\"}, \"attributes\": {}}")
                .getParentSpanId().isEmpty()).isTrue();
        assertThatThrownBy(() -> read("{\"trace_id\": \"x\", \"span_id\": \"AQ==\", \"name\": \"r\"}"))
                .isInstanceOf(OspreyException.class).hasMessageContaining("Not an MLflow span");
    }
}
