package dev.osprey.gateway.stream;

import dev.osprey.gateway.provider.ProviderException;
import dev.osprey.gateway.provider.internal.AwsEventStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** AWS's binary event stream (Bedrock): one event per message, typed by {@code :event-type}. */
public final class AwsEventStreamReader {
    private AwsEventStreamReader() {}

    /** Reads {@code body} to its end; an exception message ends the stream as a provider failure. */
    public static void read(InputStream body, EventListener listener) throws IOException {
        InputStream in = new BufferedInputStream(body, 16 * 1024);
        for (AwsEventStream.Message m = AwsEventStream.read(in); m != null; m = AwsEventStream.read(in)) {
            String payload = new String(m.payload(), StandardCharsets.UTF_8);
            if (!m.header(":message-type").equals("event")) {
                throw new ProviderException(502, "Bedrock stream error (" + m.header(":exception-type") + "): "
                        + payload, false);
            }
            listener.onEvent(m.header(":event-type"), payload);
        }
    }
}
