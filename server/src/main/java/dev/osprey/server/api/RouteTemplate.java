package dev.osprey.server.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route with {@code {name}} segments, such as {@code /api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}},
 * matched against the raw request path segment by segment; each captured segment is percent-decoded on its own,
 * so an encoded {@code /} stays inside its value.
 */
record RouteTemplate(String method, List<String> segments, ApiHandler handler) {

    static RouteTemplate of(String method, String path, ApiHandler handler) {
        return new RouteTemplate(method, List.of(path.substring(1).split("/", -1)), handler);
    }

    static boolean isTemplate(String path) {
        return path.contains("{");
    }

    /** The captured values when {@code rawPath} fits this template. */
    Optional<Map<String, String>> match(String[] rawSegments) {
        if (rawSegments.length != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < rawSegments.length; i++) {
            String pattern = segments.get(i);
            if (pattern.startsWith("{") && pattern.endsWith("}")) {
                String value = decode(rawSegments[i]);
                if (value == null || value.isEmpty()) {
                    return Optional.empty();
                }
                params.put(pattern.substring(1, pattern.length() - 1), value);
            } else if (!pattern.equals(rawSegments[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(params);
    }

    /** Percent-decoding of one segment; null when malformed. */
    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
