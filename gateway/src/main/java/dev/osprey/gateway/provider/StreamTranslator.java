package dev.osprey.gateway.provider;

import java.util.List;

/**
 * Turns a provider's server-sent events into OpenAI {@code chat.completion.chunk} events, one call per upstream
 * event, as they arrive. Stateful: one instance per stream.
 */
public interface StreamTranslator {

    /**
     * The {@code data:} payloads to send for one upstream event (often one, sometimes none).
     *
     * @param event the SSE {@code event:} name, empty when the provider sends none
     */
    List<String> onEvent(String event, String data);

    /** What is still held back when the upstream stream ends (most translators hold nothing). */
    default List<String> finish() {
        return List.of();
    }

    /** Tokens reported so far. */
    Usage usage();
}
