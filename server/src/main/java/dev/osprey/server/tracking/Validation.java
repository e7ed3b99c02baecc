package dev.osprey.server.tracking;

import dev.osprey.core.OspreyException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/** MLflow's server-side limits and name rules, with its wording (spec/tracking.md §4). */
public final class Validation {
    static final int MAX_KEY_LENGTH = 250;
    static final int MAX_PARAM_VALUE_LENGTH = 6000;
    static final int MAX_TAG_VALUE_LENGTH = 8000;
    static final int MAX_EXPERIMENT_TAG_VALUE_LENGTH = 5000;
    static final int MAX_EXPERIMENT_NAME_LENGTH = 500;
    static final int MAX_RESULTS_SEARCH = 50_000;
    static final int MAX_BATCH_METRICS = 1000;
    static final int MAX_BATCH_PARAMS = 100;
    static final int MAX_BATCH_TAGS = 100;
    static final int MAX_BATCH_TOTAL = 1000;
    static final int MAX_BATCH_BYTES = 1_000_000;

    private static final Pattern KEY = Pattern.compile("^[/\\w.\\- :]*$", Pattern.UNICODE_CHARACTER_CLASS);

    private Validation() {}

    /**
     * Keys already found valid, per entity kind. Runs log the same few keys over and over; checking each once
     * takes the regex and path normalisation off the log-batch path. Bounded: cleared when it fills.
     */
    private static final java.util.Map<String, Boolean> VALID_KEYS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED_KEYS = 100_000;

    /** Param, metric and tag keys: charset, path safety, length. */
    public static void key(String entity, String key) {
        String remembered = entity + '\u0000' + key;
        if (VALID_KEYS.containsKey(remembered)) {
            return;
        }
        checkKey(entity, key);
        if (VALID_KEYS.size() >= MAX_REMEMBERED_KEYS) {
            VALID_KEYS.clear();
        }
        VALID_KEYS.put(remembered, Boolean.TRUE);
    }

    private static void checkKey(String entity, String key) {
        if (!KEY.matcher(key).matches()) {
            throw OspreyException.invalid("Invalid " + entity + " name: '" + key + "'. Names may only contain "
                    + "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).");
        }
        String normalized = normalize(key);
        if (!normalized.equals(key) || normalized.equals(".") || normalized.startsWith("..")
                || normalized.startsWith("/")) {
            throw OspreyException.invalid("Invalid " + entity + " name: '" + key + "'. Names may be treated as files "
                    + "in certain cases, and must not resolve to other names when treated as such. This name would "
                    + "resolve to '" + normalized + "'");
        }
        length(capitalized(entity) + " key", key, MAX_KEY_LENGTH);
    }

    public static void length(String what, String value, int limit) {
        if (value.length() > limit) {
            String shown = value.length() > 250 ? value.substring(0, 250) + "..." : value;
            throw OspreyException.invalid(what + " '" + shown + "' had length " + value.length()
                    + ", which exceeded length limit of " + limit);
        }
    }

    /** Over-long values are cut when truncation is on (MLflow's default), else rejected. */
    static String value(String what, String value, int limit, boolean truncate) {
        if (value.length() <= limit) {
            return value;
        }
        if (truncate) {
            return value.substring(0, limit);
        }
        length(what, value, limit);
        return value;
    }

    static double metricValue(double value) {
        if (value == Double.POSITIVE_INFINITY) {
            return Double.MAX_VALUE;
        }
        if (value == Double.NEGATIVE_INFINITY) {
            return -Double.MAX_VALUE;
        }
        return value;
    }

    public static int maxResults(long requested, int defaultValue, int limit) {
        if (requested > limit) {
            throw OspreyException.invalid("Invalid value " + requested + " for parameter 'max_results' supplied. "
                    + "It must be at most " + limit + ".");
        }
        if (requested <= 0) {
            if (requested < 0) {
                throw OspreyException.invalid("Invalid value for max_results. It must be a positive integer, but "
                        + "got " + requested);
            }
            return defaultValue;
        }
        return (int) requested;
    }

    /** Python's posixpath.normpath, which MLflow uses to decide whether a key could name another file. */
    static String normalize(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean absolute = path.startsWith("/");
        int leadingSlashes = absolute ? (path.startsWith("//") && !path.startsWith("///") ? 2 : 1) : 0;
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..") && !parts.isEmpty() && !parts.peekLast().equals("..")) {
                parts.removeLast();
            } else if (part.equals("..") && absolute) {
                continue;
            } else {
                parts.addLast(part);
            }
        }
        String joined = String.join("/", parts);
        String result = "/".repeat(leadingSlashes) + joined;
        return result.isEmpty() ? "." : result;
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
