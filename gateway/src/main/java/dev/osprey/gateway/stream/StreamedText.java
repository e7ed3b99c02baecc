package dev.osprey.gateway.stream;

/**
 * The assistant text of a streamed answer, kept for the usage trace: a cheap string search for the content delta
 * of each OpenAI chunk, no JSON parse, at most about 100 000 characters.
 */
public final class StreamedText {
    private static final int LIMIT = 100_000;
    private final StringBuilder text = new StringBuilder();

    /** Appends the {@code "content"} string of an OpenAI chat chunk, if it has one. */
    public void collect(String chunk) {
        int at = chunk.indexOf("\"content\":\"");
        if (at < 0 || text.length() > LIMIT) {
            return;
        }
        StringBuilder piece = new StringBuilder();
        for (int i = at + 11; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if (c == '\\' && i + 1 < chunk.length()) {
                char n = chunk.charAt(++i);
                switch (n) {
                    case 'n' -> piece.append('\n');
                    case 't' -> piece.append('\t');
                    case 'u' -> {
                        if (i + 4 < chunk.length()) {
                            piece.append((char) Integer.parseInt(chunk.substring(i + 1, i + 5), 16));
                            i += 4;
                        }
                    }
                    default -> piece.append(n);
                }
            } else if (c == '"') {
                text.append(piece);
                return;
            } else {
                piece.append(c);
            }
        }
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
