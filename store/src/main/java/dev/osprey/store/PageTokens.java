package dev.osprey.store;

import dev.osprey.core.OspreyException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Offset page tokens in MLflow's own encoding, base64 of {@code {"offset": N}}, so tokens issued by MLflow and by
 * us are interchangeable. Anything else is "Invalid page token".
 */
public final class PageTokens {
    private static final Pattern OFFSET = Pattern.compile("\\s*\\{\\s*\"offset\"\\s*:\\s*(\\d{1,10})\\s*}\\s*");

    private PageTokens() {}

    public static String offset(long offset) {
        return Base64.getEncoder().encodeToString(("{\"offset\": " + offset + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** The offset a token carries; 0 for no token. */
    public static int offsetOf(Optional<String> token) {
        if (token.isEmpty() || token.get().isEmpty()) {
            return 0;
        }
        String text;
        try {
            text = new String(Base64.getDecoder().decode(token.get().trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid(token.get());
        }
        Matcher m = OFFSET.matcher(text);
        if (!m.matches()) {
            throw invalid(token.get());
        }
        long offset = Long.parseLong(m.group(1));
        if (offset > Integer.MAX_VALUE) {
            throw invalid(token.get());
        }
        return (int) offset;
    }

    private static OspreyException invalid(String token) {
        return OspreyException.invalid("Invalid page token, could not base64-decode or parse offset: '"
                + (token.length() > 64 ? token.substring(0, 64) + "..." : token) + "'");
    }
}
