package dev.osprey.server.issues;

import static dev.osprey.server.auth.Access.onExperiment;
import static dev.osprey.server.auth.Access.onIssue;
import static dev.osprey.server.auth.Access.listsInReadableExperiments;
import static dev.osprey.server.auth.Permission.Need.READ;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.search.Comparator;
import dev.osprey.search.Condition;
import dev.osprey.search.EntityGrammar;
import dev.osprey.search.Value;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.tracking.Validation;
import dev.osprey.store.IssueStore;
import dev.osprey.store.IssueStore.Issue;
import dev.osprey.store.IssueStore.Match;
import dev.osprey.store.PageTokens;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * MLflow 3.11's issues (CreateIssue, GetIssue, UpdateIssue, SearchIssues): problems found in an experiment's
 * traces, linked to traces by issue assessments. Search orders by severity (highest first), then by the number of
 * traces linked when asked for, then newest first, as MLflow's store does.
 */
public final class IssueRoutes {
    static final List<String> STATUSES = List.of("pending", "rejected", "resolved");
    /** MLflow's IssueSeverity, lowest first: the order search ranks by. */
    static final List<String> SEVERITIES = List.of("not_an_issue", "low", "medium", "high");
    private static final int SEARCH_DEFAULT = 100;
    private static final int SEARCH_MAX = 1000;
    private final IssueStore issues;
    private final WorkspaceStore workspaces;
    private final Clock clock;

    public IssueRoutes(IssueStore issues, WorkspaceStore workspaces, Clock clock) {
        this.issues = issues;
        this.workspaces = workspaces;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", "/mlflow/issues", 3, this::create).requires(onExperiment(UPDATE)),
                new Endpoint("GET", "/mlflow/issues/{issue_id}", 3, r -> wrap(find(r))).requires(onIssue(READ)),
                new Endpoint("PATCH", "/mlflow/issues/{issue_id}", 3, this::update).requires(onIssue(UPDATE)),
                new Endpoint("POST", "/mlflow/issues/search", 3, this::search)
                        .requires(listsInReadableExperiments("issues")));
    }

    private Issue find(ApiRequest r) {
        String id = r.pathParam("issue_id");
        return issues.get(id).orElseThrow(() -> notFound(id));
    }

    static OspreyException notFound(String id) {
        return OspreyException.notFound("Issue with ID '" + id + "' not found");
    }

    private static ObjectNode wrap(Issue issue) {
        return Json.object("issue", json(issue, Optional.empty()));
    }

    private JsonNode create(ApiRequest r) {
        Message m = r.message();
        String name = m.requiredString("name");
        String description = m.requiredString("description");
        String experimentId = m.requiredString("experiment_id");
        String status = m.string("status").filter(s -> !s.isEmpty()).map(s -> oneOf("status", s, STATUSES))
                .orElse("pending");
        Optional<String> severity = m.string("severity").filter(s -> !s.isEmpty())
                .map(s -> oneOf("severity", s, SEVERITIES));
        long now = clock.millis();
        Issue issue = new Issue("iss-" + UUID.randomUUID().toString().replace("-", ""), experimentId, name,
                description, status, severity, m.strings("root_causes"), m.string("source_run_id")
                        .filter(s -> !s.isEmpty()), m.strings("categories"),
                m.string("created_by").filter(s -> !s.isEmpty()).or(AccessPolicy::callerName), now, now);
        issues.create(issue);
        return wrap(issue);
    }

    private static String oneOf(String field, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw OspreyException.invalid("Invalid " + field + " '" + value + "': use one of " + allowed + ".");
        }
        return value;
    }

    /** The fields given change; an empty name or description leaves it as it was, as MLflow's handler does. */
    private JsonNode update(ApiRequest r) {
        Issue old = find(r);
        Message m = r.message();
        Issue changed = new Issue(old.issueId(), old.experimentId(),
                m.string("name").filter(s -> !s.isEmpty()).orElse(old.name()),
                m.string("description").filter(s -> !s.isEmpty()).orElse(old.description()),
                m.string("status").filter(s -> !s.isEmpty()).map(s -> oneOf("status", s, STATUSES))
                        .orElse(old.status()),
                m.string("severity").filter(s -> !s.isEmpty()).map(s -> oneOf("severity", s, SEVERITIES))
                        .or(old::severity),
                old.rootCauses(), old.sourceRunId(), old.categories(), old.createdBy(), old.createdTimestamp(),
                clock.millis());
        return wrap(issues.update(changed));
    }

    private JsonNode search(ApiRequest r) {
        Message m = r.message();
        int max = Validation.maxResults(m.int64("max_results").orElse(0), SEARCH_DEFAULT, SEARCH_MAX);
        boolean withCounts = m.bool("include_trace_count").orElse(false);
        List<Condition> filter = EntityGrammar.ISSUES.parseFilter(m.string("filter_string").orElse(""));
        for (Condition c : filter) {
            if (c.comparator() != Comparator.EQ && c.comparator() != Comparator.NE) {
                throw OspreyException.invalid("Invalid comparator '" + c.comparator().symbol() + "' for "
                        + c.key() + ": issues are filtered with = and != only.");
            }
        }
        List<Issue> matching = new ArrayList<>();
        for (Issue i : inWorkspace(r, issues.list(m.string("experiment_id").filter(s -> !s.isEmpty()),
                first(filter, "status"), first(filter, "source_run_id")))) {
            if (filter.stream().allMatch(c -> match(c).test(c.key().equals("status") ? Optional.of(i.status())
                    : i.sourceRunId()))) {
                matching.add(i);
            }
        }
        Map<String, Long> counts = withCounts ? issues.traceCounts(matching.stream().map(Issue::issueId).toList())
                : Map.of();
        java.util.Comparator<Issue> order = java.util.Comparator.comparingInt(
                (Issue i) -> i.severity().map(SEVERITIES::indexOf).orElse(-1)).reversed();
        if (withCounts) {
            order = order.thenComparing(java.util.Comparator.comparingLong(
                    (Issue i) -> counts.getOrDefault(i.issueId(), 0L)).reversed());
        }
        order = order.thenComparing(java.util.Comparator.comparingLong(Issue::createdTimestamp).reversed())
                .thenComparing(java.util.Comparator.comparing(Issue::issueId).reversed());
        matching.sort(order);
        int offset = PageTokens.offsetOf(m.string("page_token").filter(s -> !s.isEmpty()));
        List<Issue> page = matching.subList(Math.min(offset, matching.size()), Math.min(matching.size(),
                offset + max));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("issues");
        page.forEach(i -> items.add(json(i, withCounts ? Optional.of(counts.getOrDefault(i.issueId(), 0L))
                : Optional.empty())));
        if (offset + max < matching.size()) {
            out.put("next_page_token", PageTokens.offset(offset + max));
        }
        return out;
    }

    /** Issues stay in their experiment's workspace. */
    private List<Issue> inWorkspace(ApiRequest r, List<Issue> list) {
        return workspaces.keepIn(r.workspaceName().orElse(WorkspaceStore.DEFAULT), WorkspaceStore.Kind.EXPERIMENT,
                list, Issue::experimentId);
    }

    private static Optional<Match> first(List<Condition> filter, String key) {
        return filter.stream().filter(c -> c.key().equals(key)).findFirst().map(IssueRoutes::match);
    }

    private static Match match(Condition c) {
        String value = c.value() instanceof Value.Text t ? t.text() : String.valueOf(c.value());
        return new Match(c.comparator() == Comparator.EQ, value);
    }

    /** MLflow's Issue message. */
    static ObjectNode json(Issue i, Optional<Long> traceCount) {
        ObjectNode out = Json.object().put("issue_id", i.issueId()).put("experiment_id", i.experimentId())
                .put("name", i.name()).put("description", i.description()).put("status", i.status());
        i.severity().ifPresent(s -> out.put("severity", s));
        if (!i.rootCauses().isEmpty()) {
            i.rootCauses().forEach(out.putArray("root_causes")::add);
        }
        i.sourceRunId().ifPresent(s -> out.put("source_run_id", s));
        out.put("created_timestamp", i.createdTimestamp()).put("last_updated_timestamp", i.lastUpdatedTimestamp());
        i.createdBy().ifPresent(s -> out.put("created_by", s));
        if (!i.categories().isEmpty()) {
            i.categories().forEach(out.putArray("categories")::add);
        }
        traceCount.ifPresent(n -> out.put("trace_count", n));
        return out;
    }
}
