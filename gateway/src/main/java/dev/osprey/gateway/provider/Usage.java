package dev.osprey.gateway.provider;

/** Tokens of one call as the provider reported them (0 when it did not). */
public record Usage(long inputTokens, long outputTokens) {
    public static final Usage NONE = new Usage(0, 0);

    public long total() {
        return inputTokens + outputTokens;
    }
}
