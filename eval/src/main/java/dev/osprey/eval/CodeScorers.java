package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Deterministic scorers: no model call, the same verdict every time. Each reads named expectations
 * ({@code expected_response}, {@code expected_substring}, {@code expected_tool_calls}) and reports an error, not a
 * failure, when what it needs is missing.
 */
public final class CodeScorers {
    private CodeScorers() {}

    private abstract static class Named implements Scorer {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        Feedback verdict(boolean pass, String rationale) {
            return Feedback.of(name, FeedbackValue.of(pass), rationale, Feedback.CODE);
        }

        Feedback missing(String what) {
            return Feedback.error(name, Feedback.CODE, "This scorer needs " + what + ".");
        }
    }

    private static String expectation(EvalItem item, String... fields) {
        for (String field : fields) {
            JsonNode v = item.expectations().path(field);
            if (!v.isMissingNode() && !v.isNull()) {
                return EvalItem.text(v);
            }
        }
        return null;
    }

    /** The output text equals {@code expected_response} (surrounding whitespace ignored). */
    public static Scorer exactMatch() {
        return new Named("exact_match") {
            @Override
            public Feedback score(EvalItem item) {
                String expected = expectation(item, "expected_response");
                if (expected == null) {
                    return missing("expectations.expected_response");
                }
                boolean pass = item.outputText().strip().equals(expected.strip());
                return verdict(pass, pass ? "The output equals the expected response."
                        : "The output differs from the expected response.");
            }
        };
    }

    /** The output text contains {@code expected_substring} (else {@code expected_response}), case-insensitively. */
    public static Scorer contains() {
        return new Named("contains") {
            @Override
            public Feedback score(EvalItem item) {
                String expected = expectation(item, "expected_substring", "expected_response");
                if (expected == null) {
                    return missing("expectations.expected_substring or expected_response");
                }
                boolean pass = item.outputText().toLowerCase(java.util.Locale.ROOT)
                        .contains(expected.toLowerCase(java.util.Locale.ROOT));
                return verdict(pass, "'" + expected + "' is " + (pass ? "" : "not ") + "in the output.");
            }
        };
    }

    /** Some part of the output text matches the regular expression. */
    public static Scorer regex(String name, String pattern) {
        Pattern compiled = Pattern.compile(pattern);
        return new Named(name) {
            @Override
            public Feedback score(EvalItem item) {
                boolean pass = compiled.matcher(item.outputText()).find();
                return verdict(pass, "The output " + (pass ? "matches " : "does not match ") + pattern + ".");
            }
        };
    }

    /** The output text is valid JSON. */
    public static Scorer jsonValid() {
        return new Named("json_valid") {
            @Override
            public Feedback score(EvalItem item) {
                try {
                    Json.read(item.outputText());
                    return verdict(true, "The output parses as JSON.");
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    return verdict(false, "The output is not JSON: " + e.getOriginalMessage());
                } catch (IOException e) {
                    return verdict(false, "The output is not JSON.");
                }
            }
        };
    }

    /** The output, parsed as JSON, conforms to the schema (the subset {@link JsonSchemaCheck} knows). */
    public static Scorer jsonSchema(JsonNode schema) {
        return new Named("json_schema") {
            @Override
            public Feedback score(EvalItem item) {
                JsonNode value;
                try {
                    value = item.outputs().isTextual() ? Json.read(item.outputs().asText()) : item.outputs();
                } catch (IOException e) {
                    return verdict(false, "The output is not JSON.");
                }
                List<String> violations = JsonSchemaCheck.violations(schema, value);
                return verdict(violations.isEmpty(), violations.isEmpty() ? "The output conforms to the schema."
                        : String.join("; ", violations));
            }
        };
    }

    /** The trace took at most {@code maxMillis}. */
    public static Scorer latency(long maxMillis) {
        return new Named("latency") {
            @Override
            public Feedback score(EvalItem item) {
                if (item.trace().isEmpty()) {
                    return missing("a trace");
                }
                long took = item.trace().get().executionTimeMs();
                return verdict(took <= maxMillis, took + " ms against a limit of " + maxMillis + " ms.");
            }
        };
    }

    /** The trace used at most {@code maxTokens} tokens. */
    public static Scorer tokenCount(long maxTokens) {
        return new Named("token_count") {
            @Override
            public Feedback score(EvalItem item) {
                if (item.trace().isEmpty()) {
                    return missing("a trace");
                }
                long used = item.trace().get().totalTokens();
                return verdict(used <= maxTokens, used + " tokens against a limit of " + maxTokens + ".");
            }
        };
    }

    /** The trace's tool calls are exactly {@code expected_tool_calls} (names, in order). */
    public static Scorer toolCallSequence() {
        return new Named("tool_call_sequence") {
            @Override
            public Feedback score(EvalItem item) {
                JsonNode expectedNode = item.expectations().path("expected_tool_calls");
                if (!expectedNode.isArray()) {
                    return missing("expectations.expected_tool_calls (a list of tool names)");
                }
                if (item.trace().isEmpty()) {
                    return missing("a trace");
                }
                List<String> expected = new ArrayList<>();
                expectedNode.forEach(n -> expected.add(n.isTextual() ? n.asText() : n.path("name").asText()));
                List<String> actual = item.trace().get().toolCalls();
                boolean pass = expected.equals(actual);
                return verdict(pass, pass ? "Tools were called as expected: " + actual + "."
                        : "Expected " + expected + ", the trace called " + actual + ".");
            }
        };
    }
}
