package dev.osprey.gateway.stream;

import java.io.IOException;

/** Receives one upstream event: its type ({@code ""} when the wire gives none) and its data. */
@FunctionalInterface
public interface EventListener {
    void onEvent(String event, String data) throws IOException;
}
