package dev.osprey.server.artifacts;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;

/** The Content-Type of a downloaded artifact from its name, as MLflow guesses it; text-like files as text/plain. */
final class ContentTypes {
    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("txt", "text/plain"), Map.entry("log", "text/plain"), Map.entry("json", "text/plain"),
            Map.entry("yaml", "text/plain"), Map.entry("yml", "text/plain"), Map.entry("md", "text/plain"),
            Map.entry("csv", "text/plain"), Map.entry("py", "text/plain"), Map.entry("html", "text/plain"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("svg", "image/svg+xml"), Map.entry("pdf", "application/pdf"),
            Map.entry("gz", "application/gzip"), Map.entry("zip", "application/zip"));

    private ContentTypes() {}

    static String of(String name) {
        if (name.equals("MLmodel") || name.equals("MLproject")) {
            return "text/plain; charset=utf-8";
        }
        int dot = name.lastIndexOf('.');
        String type = dot < 0 ? null : BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return "application/octet-stream";
        }
        return type.equals("text/plain") ? "text/plain; charset=utf-8" : type;
    }

    /**
     * The Content-Disposition of a download, as MLflow's server (werkzeug) writes it: {@code attachment;
     * filename=name}, the name quoted only when it is not a plain token; a name outside ASCII gets an ASCII
     * fallback and {@code filename*=UTF-8''} with the name percent-encoded (RFC 6266), since header values are bytes
     * of ISO-8859-1 and would otherwise arrive as question marks.
     */
    static String attachment(String name) {
        String clean = name.replaceAll("[\\r\\n]", "_");
        if (StandardCharsets.US_ASCII.newEncoder().canEncode(clean)) {
            return "attachment; filename=" + parameter(clean);
        }
        String fallback = Normalizer.normalize(clean, Normalizer.Form.NFKD).replaceAll("[^\\x20-\\x7e]", "");
        return "attachment; filename=" + parameter(fallback) + "; filename*=UTF-8''" + percentEncoded(clean);
    }

    private static String parameter(String value) {
        if (!value.isEmpty() && value.chars().allMatch(ContentTypes::tokenChar)) {
            return value;
        }
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** RFC 7230's tchar: what a header parameter may hold without quotes. */
    private static boolean tokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String percentEncoded(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
