package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.gateway.provider.internal.AwsEventStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AWS event-stream frames read back exactly; corrupt or cut frames are refused, not half-read. */
class AwsEventStreamTest {
    private static byte[] frame(String type, String payload) {
        return AwsEventStream.frame(Map.of(":event-type", type, ":message-type", "event"),
                payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void framesRoundTripInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(frame("messageStart", "{\"role\":\"assistant\"}"));
        out.write(frame("contentBlockDelta", "{\"delta\":{\"text\":\"héllo\"}}"));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        AwsEventStream.Message first = AwsEventStream.read(in);
        AwsEventStream.Message second = AwsEventStream.read(in);
        assertThat(first.header(":event-type")).isEqualTo("messageStart");
        assertThat(new String(second.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"delta\":{\"text\":\"héllo\"}}");
        assertThat(AwsEventStream.read(in)).isNull();
    }

    @Test
    void corruptAndCutFrames_areRefused() {
        byte[] good = frame("metadata", "{\"usage\":{}}");
        byte[] flipped = good.clone();
        flipped[flipped.length - 6] ^= 1;
        assertThatThrownBy(() -> AwsEventStream.read(new ByteArrayInputStream(flipped))).hasMessageContaining("CRC");
        byte[] badPrelude = good.clone();
        badPrelude[2] ^= 1;
        assertThatThrownBy(() -> AwsEventStream.read(new ByteArrayInputStream(badPrelude)))
                .hasMessageContaining("prelude");
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        assertThatThrownBy(() -> AwsEventStream.read(new ByteArrayInputStream(cut))).hasMessageContaining("cut");
    }
}
