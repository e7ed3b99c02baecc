package dev.osprey.artifacts;

import dev.osprey.core.OspreyException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A path inside an artifact root, checked before any file system sees it: relative, no {@code .}/{@code ..} or
 * empty segments, no scheme or drive letter, none of {@code \ ; # ? %} or control characters. What passes can only
 * name something below the root (symlinks are the repository's to refuse). The empty path is the root itself.
 */
public record ArtifactPath(List<String> segments) {
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");
    private static final int MAX_LENGTH = 4096;

    public ArtifactPath {
        segments = List.copyOf(segments);
    }

    public static final ArtifactPath ROOT = new ArtifactPath(List.of());

    /**
     * Checks a path as a client sent it, already percent-decoded once. One trailing slash is allowed (directory
     * listings send it).
     */
    public static ArtifactPath parse(String path) {
        if (path.isEmpty()) {
            return ROOT;
        }
        if (path.length() > MAX_LENGTH) {
            throw invalid(path, "longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ';' || c == '#' || c == '?' || c == '%') {
                throw invalid(path, "it contains a forbidden character");
            }
            if (c == '\uFFFD') {
                // What a decoder leaves of bytes that are not UTF-8 (overlong "%c0%ae" dots and the like).
                throw invalid(path, "it is not valid UTF-8");
            }
        }
        if (path.startsWith("/")) {
            throw invalid(path, "it is absolute");
        }
        if (SCHEME.matcher(path).matches()) {
            throw invalid(path, "it has a URI scheme or drive letter");
        }
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        List<String> parts = List.of(trimmed.split("/", -1));
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw invalid(path, "it has an empty, '.' or '..' segment");
            }
        }
        return new ArtifactPath(parts);
    }

    private static OspreyException invalid(String path, String why) {
        String shown = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return OspreyException.invalid("Invalid path '" + shown.replaceAll("[\\p{Cntrl}]", "?") + "': " + why + ".");
    }

    public boolean isRoot() {
        return segments.isEmpty();
    }

    public String name() {
        return segments.isEmpty() ? "" : segments.get(segments.size() - 1);
    }

    public ArtifactPath resolve(ArtifactPath child) {
        List<String> joined = new java.util.ArrayList<>(segments);
        joined.addAll(child.segments);
        return new ArtifactPath(joined);
    }

    @Override
    public String toString() {
        return String.join("/", segments);
    }
}
