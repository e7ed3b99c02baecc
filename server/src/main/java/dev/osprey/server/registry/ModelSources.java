package dev.osprey.server.registry;

import dev.osprey.core.OspreyException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which model version sources the server accepts (spec/model-registry.md §4.1): {@code runs:/}, {@code models:/},
 * {@code mlflow-artifacts:} and object-store URIs without traversal; local paths only inside the server's own
 * artifact roots; never a URL to an arbitrary host. Prompt versions carry a placeholder source, which may be any
 * scheme-less name that is not a local path.
 */
final class ModelSources {
    private static final Set<String> OBJECT_STORES = Set.of("s3", "gs", "wasbs", "abfss", "dbfs", "hdfs", "viewfs",
            "oss", "cos");
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):.*", Pattern.DOTALL);

    private final List<Path> localRoots;
    private final Optional<Pattern> extraRule;

    /**
     * @param extraRule an operator's regex every source must match in full
     *     ({@code MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX})
     */
    ModelSources(List<Path> localRoots, Optional<Pattern> extraRule) {
        this.localRoots = localRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.extraRule = extraRule;
    }

    void check(String source, boolean prompt) {
        if (source.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'source'.");
        }
        extraRule.ifPresent(rule -> {
            if (!rule.matcher(source).matches()) {
                throw invalid(source);
            }
        });
        if (source.indexOf('\0') >= 0) {
            throw invalid(source);
        }
        var scheme = SCHEME.matcher(source);
        if (!scheme.matches() || scheme.group(1).length() == 1) {
            local(source, prompt);
            return;
        }
        String name = scheme.group(1).toLowerCase(Locale.ROOT);
        if (name.equals("file")) {
            local(source, prompt);
            return;
        }
        if (!(name.equals("runs") || name.equals("models") || name.equals("mlflow-artifacts")
                || name.equals("prompts") && prompt || OBJECT_STORES.contains(name))) {
            throw OspreyException.invalid("Invalid model version source: '" + source + "'. Sources must be runs:/, "
                    + "models:/, mlflow-artifacts: or object store URIs, or paths inside this server's artifact "
                    + "roots.");
        }
        noTraversal(source);
    }

    private void local(String source, boolean prompt) {
        boolean absolute = source.startsWith("/") || source.startsWith("\\") || source.startsWith("file:")
                || source.matches("^[A-Za-z]:.*");
        if (prompt) {
            if (absolute) {
                throw OspreyException.invalid("Invalid model version source: '" + source + "'. Prompt versions may "
                        + "not point at local files.");
            }
            noTraversal(source);
            return;
        }
        Path path;
        try {
            path = source.startsWith("file:") ? Path.of(java.net.URI.create(source)) : Path.of(source);
        } catch (RuntimeException e) {
            throw invalid(source);
        }
        Path normalized = path.toAbsolutePath().normalize();
        noTraversal(source);
        for (Path root : localRoots) {
            if (normalized.startsWith(root)) {
                return;
            }
        }
        throw OspreyException.invalid("Invalid model version source: '" + source + "'. A local source must lie "
                + "inside this server's artifact roots.");
    }

    /** After decoding as often as it changes, no '..' segment and no NUL may be left. */
    private static void noTraversal(String source) {
        String decoded = source;
        for (int i = 0; i < 10; i++) {
            String next;
            try {
                next = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                break;
            }
            if (next.equals(decoded)) {
                break;
            }
            decoded = next;
        }
        if (decoded.indexOf('\0') >= 0) {
            throw invalid(source);
        }
        for (String segment : decoded.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw invalid(source);
            }
        }
    }

    private static OspreyException invalid(String source) {
        return OspreyException.invalid("Invalid model version source: '" + source.replace('\0', '?') + "'.");
    }
}
