package dev.osprey.gateway;

import java.io.IOException;

/** Where a streamed answer goes: opened once the upstream stream is established, then one call per event. */
public interface EventSink {

    /** Commits the response status and SSE headers; called at most once, before the first event. */
    void open() throws IOException;

    /**
     * Writes one server-sent event and flushes it.
     *
     * @param event the {@code event:} name, empty for none
     */
    void send(String event, String data) throws IOException;
}
