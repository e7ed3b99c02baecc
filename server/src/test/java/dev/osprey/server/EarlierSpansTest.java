package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.server.traces.translate.SpanForm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A database written by a version before span translation: its span rows kept JSON-encoded values and no MLflow
 * attributes. Read through this version's REST API they come back translated, as MLflow's
 * {@code translate_loaded_span} does for spans loaded from its store.
 */
class EarlierSpansTest {
    private static final String TRACE = "tr-" + "0a".repeat(16);

    /** A GenAI chat span as an earlier version stored it: values JSON-encoded, untyped, with its trace id marker. */
    private static final String EARLIER = "{\"trace_id\":\"CgoKCgoKCgoKCgoKCgoKCg==\",\"span_id\":\"AAAAAAAAAAE=\","
            + "\"name\":\"chat gpt-4o\",\"start_time_unix_nano\":\"1000\",\"end_time_unix_nano\":\"2000\","
            + "\"attributes\":["
            + "{\"key\":\"gen_ai.operation.name\",\"value\":{\"string_value\":\"\\\"chat\\\"\"}},"
            + "{\"key\":\"gen_ai.request.model\",\"value\":{\"string_value\":\"\\\"gpt-4o\\\"\"}},"
            + "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"int_value\":12}},"
            + "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"int_value\":3}},"
            + "{\"key\":\"mlflow.traceRequestId\",\"value\":{\"string_value\":\"\\\"" + TRACE + "\\\"\"}}],"
            + "\"status\":{\"code\":\"STATUS_CODE_OK\"}}";

    @Test
    void spansStoredBeforeTranslation_areTranslatedWhenRead() throws Exception {
        Path dir = Files.createTempDirectory("osprey-earlier");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir
                + "/osprey.db", Optional.empty(), dir.resolve("artifacts"), true, "", true))) {
            RestClient api = new RestClient(server.baseUrl());
            assertThat(api.post("/api/3.0/mlflow/traces", "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + TRACE
                    + "\", \"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": "
                    + "{\"experiment_id\": \"0\"}}, \"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\"}}}")
                    .status()).isEqualTo(200);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir + "/osprey.db");
                    PreparedStatement insert = c.prepareStatement("INSERT INTO spans (trace_id, span_id, "
                            + "parent_span_id, name, span_type, status, start_time_ns, end_time_ns, content) VALUES "
                            + "(?, '0000000000000001', NULL, 'chat gpt-4o', NULL, 'OK', 1000, 2000, ?)")) {
                insert.setString(1, TRACE);
                insert.setString(2, EARLIER);
                assertThat(insert.executeUpdate()).isEqualTo(1);
            }
            JsonNode span = api.get("/api/3.0/mlflow/traces/get?trace_id=" + TRACE).json().at("/trace/spans/0");
            assertThat(SpanForm.attribute(span, "mlflow.spanType").asText()).isEqualTo("CHAT_MODEL");
            assertThat(SpanForm.attribute(span, "mlflow.llm.model").asText()).isEqualTo("gpt-4o");
            assertThat(SpanForm.attribute(span, "gen_ai.operation.name").asText()).as("decoded").isEqualTo("chat");
            assertThat(SpanForm.attribute(span, "mlflow.chat.tokenUsage").toString()).contains("\"input_tokens\"");
        }
    }
}
