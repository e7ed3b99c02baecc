package dev.osprey.server.traces;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TraceStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Assessments of traces (spec/tracing.md §6): feedback, expectations and issue references (MLflow 3.11) with their
 * source, rationale, metadata and the override chain. Requests are read as JSON trees since values may be any JSON.
 */
public final class AssessmentRoutes {
    private static final String ONE = "/mlflow/traces/{trace_id}/assessments/{assessment_id}";
    private static final Set<String> SOURCE_TYPES = Set.of("HUMAN", "LLM_JUDGE", "CODE", "SOURCE_TYPE_UNSPECIFIED");
    private static final Set<String> UPDATABLE = Set.of("assessment_name", "feedback", "expectation", "rationale",
            "metadata", "valid");
    /** Fields the server manages; a client's values for them are ignored. */
    private static final List<String> MANAGED = List.of("assessment_id", "trace_id", "create_time",
            "last_update_time", "overrides", "valid");

    private final TraceStore traces;
    private final Clock clock;

    public AssessmentRoutes(TraceStore traces, Clock clock) {
        this.traces = traces;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", "/mlflow/traces/{trace_id}/assessments", 3, this::create).requires(onTrace(UPDATE, "trace_id")),
                new Endpoint("GET", ONE, 3, this::get).requires(onTrace(READ, "trace_id")),
                new Endpoint("PATCH", ONE, 3, this::update).requires(onTrace(UPDATE, "trace_id")),
                new Endpoint("DELETE", ONE, 3, this::delete).requires(onTrace(UPDATE, "trace_id")));
    }

    private static ObjectNode tree(ApiRequest r) {
        return r.message().json();
    }

    private static ObjectNode assessmentField(ObjectNode body) {
        JsonNode a = body.get("assessment");
        if (!(a instanceof ObjectNode object)) {
            throw OspreyException.invalid("Missing value for required parameter 'assessment'.");
        }
        return object;
    }

    /** Checks the shape rules and returns the body to store. */
    private static ObjectNode checked(ObjectNode a) {
        if (a.path("assessment_name").asText("").isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'assessment.assessment_name'.");
        }
        boolean feedback = a.hasNonNull("feedback");
        boolean expectation = a.hasNonNull("expectation");
        boolean issue = a.hasNonNull("issue");
        if ((feedback ? 1 : 0) + (expectation ? 1 : 0) + (issue ? 1 : 0) != 1) {
            throw OspreyException.invalid("An assessment is exactly one of 'feedback', 'expectation' and 'issue'.");
        }
        if (issue && a.path("issue").path("issue_name").asText("").isEmpty()) {
            throw OspreyException.invalid("An issue assessment names the issue in 'issue.issue_name' (and its id in "
                    + "'assessment_name').");
        }
        if (feedback && (!a.get("feedback").has("value") || a.get("feedback").get("value").isNull())
                && !a.get("feedback").hasNonNull("error")) {
            throw OspreyException.invalid("A feedback without a value needs an 'error'.");
        }
        JsonNode source = a.get("source");
        if (source != null && !source.isNull()) {
            String type = source.path("source_type").asText("SOURCE_TYPE_UNSPECIFIED");
            if (!SOURCE_TYPES.contains(type)) {
                throw OspreyException.invalid("Invalid assessment source_type '" + type + "': use HUMAN, LLM_JUDGE "
                        + "or CODE.");
            }
        }
        ObjectNode body = a.deepCopy();
        MANAGED.forEach(body::remove);
        return body;
    }

    JsonNode create(ApiRequest r) {
        String traceId = r.pathParam("trace_id");
        ObjectNode a = assessmentField(tree(r));
        ObjectNode body = checked(a);
        long now = clock.millis();
        Optional<String> overrides = Optional.ofNullable(a.get("overrides")).map(JsonNode::asText)
                .filter(s -> !s.isEmpty());
        Assessment stored = new Assessment("a-" + UUID.randomUUID().toString().replace("-", ""), traceId, overrides,
                true, now, now, Json.writeString(body));
        traces.createAssessment(stored);
        return wrap(json(stored));
    }

    private Assessment existing(ApiRequest r) {
        String traceId = r.pathParam("trace_id");
        String id = r.pathParam("assessment_id");
        return traces.getAssessment(traceId, id).orElseThrow(() -> OspreyException.notFound("Assessment with ID '"
                + id + "' not found."));
    }

    JsonNode get(ApiRequest r) {
        return wrap(json(existing(r)));
    }

    JsonNode update(ApiRequest r) {
        Assessment old = existing(r);
        ObjectNode request = tree(r);
        ObjectNode changes = assessmentField(request);
        List<String> paths = paths(request.get("update_mask"));
        if (paths.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'update_mask'.");
        }
        ObjectNode body = parse(old.body());
        boolean valid = old.valid();
        for (String path : paths) {
            if (!UPDATABLE.contains(path)) {
                throw OspreyException.invalid("Invalid update_mask path '" + path + "'. Updatable: "
                        + UPDATABLE.stream().sorted().toList() + ".");
            }
            if ((path.equals("feedback") && body.has("expectation"))
                    || (path.equals("expectation") && body.has("feedback"))) {
                throw OspreyException.invalid("An assessment cannot change between feedback and expectation.");
            }
            switch (path) {
                case "valid" -> valid = changes.path("valid").asBoolean(valid);
                case "metadata" -> {
                    ObjectNode merged = body.has("metadata") ? (ObjectNode) body.get("metadata") : Json.object();
                    changes.path("metadata").fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
                    body.set("metadata", merged);
                }
                default -> {
                    if (changes.has(path)) {
                        body.set(path, changes.get(path));
                    } else {
                        body.remove(path);
                    }
                }
            }
        }
        Assessment updated = new Assessment(old.assessmentId(), old.traceId(), old.overrides(), valid,
                old.createTimeMs(), clock.millis(), Json.writeString(checked(body)));
        traces.updateAssessment(updated);
        return wrap(json(updated));
    }

    JsonNode delete(ApiRequest r) {
        traces.deleteAssessment(r.pathParam("trace_id"), r.pathParam("assessment_id"));
        return Json.object();
    }

    private static List<String> paths(JsonNode mask) {
        List<String> out = new ArrayList<>();
        if (mask == null || mask.isNull()) {
            return out;
        }
        if (mask.isTextual()) {
            for (String p : mask.asText().split(",")) {
                if (!p.isBlank()) {
                    out.add(snakeCase(p.trim()));
                }
            }
        } else {
            mask.path("paths").forEach(p -> out.add(snakeCase(p.asText())));
        }
        return out;
    }

    /**
     * A FieldMask path in the field names' form: proto3 JSON writes a mask as one string of lowerCamelCase paths
     * ({@code "assessmentName,feedback"}, what MLflow's Python client sends), the REST form as snake_case.
     */
    static String snakeCase(String path) {
        StringBuilder out = new StringBuilder(path.length() + 4);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static ObjectNode wrap(ObjectNode assessment) {
        return Json.object("assessment", assessment);
    }

    private static ObjectNode parse(String body) {
        try {
            return (ObjectNode) Json.read(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The assessment as MLflow returns it: stored fields plus ids, RFC 3339 times, overrides and validity. */
    static ObjectNode json(Assessment a) {
        ObjectNode node = Json.object();
        node.put("assessment_id", a.assessmentId());
        node.put("trace_id", a.traceId());
        parse(a.body()).fields().forEachRemaining(e -> node.set(e.getKey(), e.getValue()));
        node.put("create_time", Instant.ofEpochMilli(a.createTimeMs()).toString());
        node.put("last_update_time", Instant.ofEpochMilli(a.lastUpdateTimeMs()).toString());
        a.overrides().ifPresent(o -> node.put("overrides", o));
        node.put("valid", a.valid());
        return node;
    }
}
