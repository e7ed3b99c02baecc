package dev.osprey.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.RunStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MessageTest {
    private static Message json(String text) throws Exception {
        return Message.ofJson((ObjectNode) Json.read(text));
    }

    @Test
    void int64_acceptsNumbersAndDecimalStrings() throws Exception {
        Message m = json("{\"start_time\": \"1700000000000\", \"step\": 3, \"big\": 1.0}");
        assertThat(m.int64("start_time")).hasValue(1_700_000_000_000L);
        assertThat(m.int64("step")).hasValue(3);
        assertThat(m.int64("big")).hasValue(1);
        assertThatThrownBy(() -> json("{\"step\": \"x\"}").int64("step")).isInstanceOf(OspreyException.class)
                .hasMessageContaining("'step'");
        assertThatThrownBy(() -> json("{\"step\": 1.5}").int64("step")).isInstanceOf(OspreyException.class);
    }

    @Test
    void doubles_acceptNanAndInfinityStrings_andRejectBooleans() throws Exception {
        assertThat(json("{\"value\": \"NaN\"}").doubleValue("value").getAsDouble()).isNaN();
        assertThat(json("{\"value\": \"-Infinity\"}").doubleValue("value")).hasValue(Double.NEGATIVE_INFINITY);
        assertThat(json("{\"value\": 0.25}").doubleValue("value")).hasValue(0.25);
        assertThatThrownBy(() -> json("{\"value\": true}").doubleValue("value")).isInstanceOf(OspreyException.class);
        assertThatThrownBy(() -> json("{\"value\": \"0x10\"}").doubleValue("value"))
                .isInstanceOf(OspreyException.class);
    }

    @Test
    void fields_acceptCamelCaseNames() throws Exception {
        assertThat(json("{\"runId\": \"abc\"}").string("run_id")).hasValue("abc");
        assertThat(json("{\"experimentIds\": [\"1\", \"2\"]}").strings("experiment_ids")).containsExactly("1", "2");
    }

    @Test
    void strings_rejectOtherTypes_andRequiredMeansNonEmpty() throws Exception {
        assertThatThrownBy(() -> json("{\"name\": 5}").string("name")).isInstanceOf(OspreyException.class)
                .hasMessageContaining("'name'");
        assertThatThrownBy(() -> json("{\"name\": \"\"}").requiredString("name"))
                .hasMessageStartingWith("Missing value for required parameter 'name'.");
    }

    @Test
    void enums_byNameOrNumber() throws Exception {
        assertThat(json("{\"status\": \"FINISHED\"}").enumValue("status", RunStatus.class, MessageTest::status))
                .hasValue(RunStatus.FINISHED);
        assertThat(json("{\"status\": 4}").enumValue("status", RunStatus.class, MessageTest::status))
                .hasValue(RunStatus.FAILED);
        assertThatThrownBy(() -> json("{\"status\": \"DONE\"}").enumValue("status", RunStatus.class,
                MessageTest::status)).isInstanceOf(OspreyException.class);
    }

    private static Optional<RunStatus> status(int n) {
        return TrackingCodec.statusByNumber(n);
    }

    @Test
    void queryMessages_parseBooleansAndRepeatedKeys() {
        Message q = Message.ofQuery(Map.of("flag", List.of("True"), "run_ids", List.of("a", "b"), "n",
                List.of("25")));
        assertThat(q.bool("flag")).hasValue(true);
        assertThat(q.strings("run_ids")).containsExactly("a", "b");
        assertThat(q.int32("n")).hasValue(25);
        assertThatThrownBy(() -> Message.ofQuery(Map.of("flag", List.of("yes"))).bool("flag"))
                .isInstanceOf(OspreyException.class);
    }

    @Test
    void nestedMessages_nameErrorsByJsonPath() throws Exception {
        Message m = json("{\"metrics\": [{\"key\": \"a\"}, {\"key\": \"b\", \"value\": {}}]}");
        assertThatThrownBy(() -> m.messages("metrics").get(1).doubleValue("value"))
                .hasMessageContaining("'metrics[1].value'");
        assertThat(m.messages("metrics").get(0).missingField("value").getMessage())
                .contains("'metrics[0].value'");
    }
}
