package dev.osprey.gateway.stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Server-sent events: {@code event:} and {@code data:} lines; a blank line ends an event. */
public final class SseReader {
    private SseReader() {}

    /** Reads {@code body} to its end, handing each complete event to {@code listener}. */
    public static void read(InputStream body, EventListener listener) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        String event = "";
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    listener.onEvent(event, data.toString());
                }
                event = "";
                data.setLength(0);
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            }
        }
        if (!data.isEmpty()) {
            listener.onEvent(event, data.toString());
        }
    }
}
