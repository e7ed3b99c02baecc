package dev.osprey.store;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Issues (MLflow 3.11): quality or operational problems found in an experiment's traces, by people or by issue
 * detection. Traces are linked to an issue by assessments whose {@code issue} names it.
 */
public interface IssueStore {

    /** Stores a new issue; its experiment must exist. */
    void create(Issue issue);

    Optional<Issue> get(String issueId);

    /** Replaces the issue's changeable fields; {@code RESOURCE_DOES_NOT_EXIST} when there is no such issue. */
    Issue update(Issue issue);

    /** The issues of the experiment (every experiment's when empty) whose status and source run match. */
    List<Issue> list(Optional<String> experimentId, Optional<Match> status, Optional<Match> sourceRunId);

    /** For each issue id, how many distinct traces carry an assessment linking them to it. */
    Map<String, Long> traceCounts(List<String> issueIds);

    /** {@code = value} or {@code != value}; as in SQL (and MLflow), no value matches neither. */
    record Match(boolean equal, String value) {
        public Match {
            Objects.requireNonNull(value, "value");
        }

        public boolean test(Optional<String> actual) {
            return actual.map(a -> a.equals(value) == equal).orElse(false);
        }
    }

    /**
     * @param status pending, rejected or resolved (MLflow's IssueStatus values)
     * @param severity not_an_issue, low, medium or high, when set
     */
    record Issue(String issueId, String experimentId, String name, String description, String status,
            Optional<String> severity, List<String> rootCauses, Optional<String> sourceRunId, List<String> categories,
            Optional<String> createdBy, long createdTimestamp, long lastUpdatedTimestamp) {
        public Issue {
            Objects.requireNonNull(issueId, "issueId");
            Objects.requireNonNull(experimentId, "experimentId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(severity, "severity");
            rootCauses = List.copyOf(rootCauses);
            Objects.requireNonNull(sourceRunId, "sourceRunId");
            categories = List.copyOf(categories);
            Objects.requireNonNull(createdBy, "createdBy");
        }
    }
}
