package dev.osprey.gateway.provider;

/** The OpenAI-shaped operations the gateway serves. */
public enum Operation {
    CHAT("chat/completions"),
    COMPLETIONS("completions"),
    EMBEDDINGS("embeddings");

    private final String openAiPath;

    Operation(String openAiPath) {
        this.openAiPath = openAiPath;
    }

    /** The path under an OpenAI-compatible base URL. */
    public String openAiPath() {
        return openAiPath;
    }
}
