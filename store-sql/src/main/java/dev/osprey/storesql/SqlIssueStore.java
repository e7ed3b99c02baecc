package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.store.IssueStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link IssueStore} in the tracking store's database (migration V23). */
final class SqlIssueStore implements IssueStore {
    private static final String COLUMNS = "issue_id, experiment_id, name, description, status, severity, root_causes, "
            + "source_run_id, categories, created_by, created_timestamp, last_updated_timestamp";
    private final Database db;

    SqlIssueStore(Database db) {
        this.db = db;
    }

    private static Issue row(ResultSet rs) throws SQLException {
        return new Issue(rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3), rs.getString(4),
                rs.getString(5), Optional.ofNullable(rs.getString(6)), strings(rs.getString(7)),
                Optional.ofNullable(rs.getString(8)), strings(rs.getString(9)), Optional.ofNullable(rs.getString(10)),
                rs.getLong(11), rs.getLong(12));
    }

    /** Root causes and categories in one column each: every value as {@code <length>:<text>}, in order. */
    static String join(List<String> values) {
        StringBuilder out = new StringBuilder();
        values.forEach(v -> out.append(v.length()).append(':').append(v));
        return out.toString();
    }

    static List<String> strings(String joined) {
        List<String> out = new ArrayList<>();
        int at = 0;
        while (at < joined.length()) {
            int colon = joined.indexOf(':', at);
            int length = Integer.parseInt(joined.substring(at, colon));
            out.add(joined.substring(colon + 1, colon + 1 + length));
            at = colon + 1 + length;
        }
        return out;
    }

    @Override
    public void create(Issue i) {
        long experiment = ExperimentsSql.requireId(i.experimentId());
        db.update(c -> {
            if (Jdbc.one(c, "SELECT 1 FROM experiments WHERE experiment_id = ?", rs -> 1, experiment).isEmpty()) {
                throw OspreyException.notFound("No Experiment with id=" + i.experimentId() + " exists");
            }
            Jdbc.update(c, "INSERT INTO issues (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    i.issueId(), experiment, i.name(), i.description(), i.status(), i.severity().orElse(null),
                    join(i.rootCauses()), i.sourceRunId().orElse(null), join(i.categories()),
                    i.createdBy().orElse(null), i.createdTimestamp(), i.lastUpdatedTimestamp());
        });
    }

    @Override
    public Optional<Issue> get(String issueId) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM issues WHERE issue_id = ?", SqlIssueStore::row,
                issueId));
    }

    @Override
    public Issue update(Issue i) {
        return db.write(c -> {
            int changed = Jdbc.update(c, "UPDATE issues SET name = ?, description = ?, status = ?, severity = ?, "
                    + "last_updated_timestamp = ? WHERE issue_id = ?", i.name(), i.description(), i.status(),
                    i.severity().orElse(null), i.lastUpdatedTimestamp(), i.issueId());
            if (changed == 0) {
                throw OspreyException.notFound("Issue with ID '" + i.issueId() + "' not found");
            }
            return Jdbc.one(c, "SELECT " + COLUMNS + " FROM issues WHERE issue_id = ?", SqlIssueStore::row,
                    i.issueId()).orElseThrow();
        });
    }

    @Override
    public List<Issue> list(Optional<String> experimentId, Optional<Match> status, Optional<Match> sourceRunId) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM issues WHERE 1 = 1");
        experimentId.ifPresent(id -> {
            sql.append(" AND experiment_id = ?");
            args.add(ExperimentsSql.requireId(id));
        });
        status.ifPresent(m -> {
            sql.append(m.equal() ? " AND status = ?" : " AND status <> ?");
            args.add(m.value());
        });
        sourceRunId.ifPresent(m -> {
            sql.append(m.equal() ? " AND source_run_id = ?" : " AND source_run_id <> ?");
            args.add(m.value());
        });
        return db.read(c -> Jdbc.list(c, sql.toString(), SqlIssueStore::row, args.toArray()));
    }

    /**
     * Counts, per issue, the distinct traces of its experiment holding a valid issue assessment named after it. The
     * server writes assessment bodies as compact JSON, so an issue assessment's body holds {@code "issue":{} and
     * {@code "assessment_name":"<issue id>"} as written here.
     */
    @Override
    public Map<String, Long> traceCounts(List<String> issueIds) {
        Map<String, Long> counts = new LinkedHashMap<>();
        if (issueIds.isEmpty()) {
            return counts;
        }
        return db.read(c -> {
            for (String id : issueIds) {
                long n = Jdbc.one(c, "SELECT COUNT(DISTINCT a.trace_id) FROM issues i JOIN traces t ON t.experiment_id "
                        + "= i.experiment_id JOIN assessments a ON a.trace_id = t.trace_id WHERE i.issue_id = ? AND "
                        + "a.valid = ? AND a.body LIKE ? ESCAPE '!' AND a.body LIKE '%\"issue\":{%'",
                        rs -> rs.getLong(1), id, true, "%\"assessment_name\":\"" + likeEscaped(id) + "\"%")
                        .orElse(0L);
                counts.put(id, n);
            }
            return counts;
        });
    }

    private static String likeEscaped(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }
}
