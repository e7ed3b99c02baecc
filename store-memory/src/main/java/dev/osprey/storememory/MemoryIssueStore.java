package dev.osprey.storememory;

import dev.osprey.core.OspreyException;
import dev.osprey.store.IssueStore;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link IssueStore} on the in-memory tables. */
final class MemoryIssueStore implements IssueStore {
    private final MemoryDatabase db;

    MemoryIssueStore(MemoryDatabase db) {
        this.db = db;
    }

    @Override
    public void create(Issue issue) {
        long experiment = Tables.requireExperimentId(issue.experimentId());
        db.locked(() -> {
            if (!db.experiments.containsKey(experiment)) {
                throw OspreyException.notFound("No Experiment with id=" + issue.experimentId() + " exists");
            }
            db.issues.put(issue.issueId(), new Issue(issue.issueId(), Long.toString(experiment), issue.name(),
                    issue.description(), issue.status(), issue.severity(), issue.rootCauses(), issue.sourceRunId(),
                    issue.categories(), issue.createdBy(), issue.createdTimestamp(), issue.lastUpdatedTimestamp()));
        });
    }

    @Override
    public Optional<Issue> get(String issueId) {
        return db.locked(() -> Optional.ofNullable(db.issues.get(issueId)));
    }

    @Override
    public Issue update(Issue issue) {
        return db.locked(() -> {
            Issue old = db.issues.get(issue.issueId());
            if (old == null) {
                throw OspreyException.notFound("Issue with ID '" + issue.issueId() + "' not found");
            }
            Issue updated = new Issue(old.issueId(), old.experimentId(), issue.name(), issue.description(),
                    issue.status(), issue.severity(), old.rootCauses(), old.sourceRunId(), old.categories(),
                    old.createdBy(), old.createdTimestamp(), issue.lastUpdatedTimestamp());
            db.issues.put(updated.issueId(), updated);
            return updated;
        });
    }

    @Override
    public List<Issue> list(Optional<String> experimentId, Optional<Match> status, Optional<Match> sourceRunId) {
        Optional<String> experiment = experimentId.map(id -> Long.toString(Tables.requireExperimentId(id)));
        return db.locked(() -> db.issues.values().stream()
                .filter(i -> experiment.isEmpty() || experiment.get().equals(i.experimentId()))
                .filter(i -> status.isEmpty() || status.get().test(Optional.of(i.status())))
                .filter(i -> sourceRunId.isEmpty() || sourceRunId.get().test(i.sourceRunId()))
                .toList());
    }

    @Override
    public Map<String, Long> traceCounts(List<String> issueIds) {
        return db.locked(() -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String id : issueIds) {
                Issue issue = db.issues.get(id);
                Set<String> traces = new HashSet<>();
                if (issue != null) {
                    long experiment = Long.parseLong(issue.experimentId());
                    for (MemoryTraceStore.Row t : db.traces.values()) {
                        if (t.experimentId == experiment && t.assessments.values().stream().anyMatch(a -> a.valid()
                                && a.body().contains("\"issue\":{")
                                && a.body().contains("\"assessment_name\":\"" + id + "\""))) {
                            traces.add(t.traceId);
                        }
                    }
                }
                counts.put(id, (long) traces.size());
            }
            return counts;
        });
    }
}
