package dev.osprey.server.artifacts;

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

    /** A file name safe inside a quoted Content-Disposition parameter. */
    static String safeName(String name) {
        return name.replaceAll("[\"\\\\\\r\\n]", "_");
    }
}
