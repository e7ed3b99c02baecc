package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.store.ScorerStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link ScorerStore} in the tracking store's database (migration V10). */
final class SqlScorerStore implements ScorerStore {
    private static final String COLUMNS = "scorer_id, experiment_id, name, version, serialized_scorer, creation_time";
    private static final int MAX_ATTEMPTS = 64;
    private final Database db;

    SqlScorerStore(Database db) {
        this.db = db;
    }

    private static ScorerVersion row(ResultSet rs) throws SQLException {
        return new ScorerVersion(rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3), rs.getInt(4),
                rs.getString(5), rs.getLong(6));
    }

    private static long experiment(String experimentId) {
        try {
            return Long.parseLong(experimentId);
        } catch (NumberFormatException e) {
            throw OspreyException.invalid("Invalid experiment id '" + experimentId + "'.");
        }
    }

    @Override
    public ScorerVersion register(String experimentId, String name, String serializedScorer, long creationTime) {
        long experiment = experiment(experimentId);
        // Registrations racing for the same next version: the unique index refuses all but one, the others try
        // again. Every round lets at least one through, so MAX_ATTEMPTS bounds the contention this handles.
        for (int attempt = 0; ; attempt++) {
            try {
                return db.write(c -> {
                    int next = Jdbc.one(c, "SELECT MAX(version) FROM scorers WHERE experiment_id = ? AND name = ?",
                            rs -> rs.getInt(1), experiment, name).orElse(0) + 1;
                    ScorerVersion v = new ScorerVersion(UUID.randomUUID().toString().replace("-", ""), experimentId,
                            name, next, serializedScorer, creationTime);
                    Jdbc.update(c, "INSERT INTO scorers (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)", v.scorerId(),
                            experiment, name, next, serializedScorer, creationTime);
                    return v;
                });
            } catch (OspreyException e) {
                if (attempt < MAX_ATTEMPTS && e.getCause() instanceof SQLException sql
                        && db.dialect().isUniqueViolation(sql)) {
                    try {
                        Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 5));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                    continue;
                }
                throw e;
            }
        }
    }

    @Override
    public List<ScorerVersion> latest(List<String> experimentIds) {
        if (experimentIds.isEmpty()) {
            return List.of();
        }
        List<Object> args = new ArrayList<>();
        experimentIds.forEach(id -> args.add(experiment(id)));
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM scorers s WHERE experiment_id IN ("
                + Jdbc.marks(args.size()) + ") AND version = (SELECT MAX(version) FROM scorers m WHERE "
                + "m.experiment_id = s.experiment_id AND m.name = s.name) ORDER BY experiment_id, name",
                SqlScorerStore::row, args.toArray()));
    }

    @Override
    public List<ScorerVersion> versions(String experimentId, String name) {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM scorers WHERE experiment_id = ? AND name = ? "
                + "ORDER BY version", SqlScorerStore::row, experiment(experimentId), name));
    }

    @Override
    public Optional<ScorerVersion> get(String experimentId, String name, Optional<Integer> version) {
        long experiment = experiment(experimentId);
        return db.read(c -> version.isPresent()
                ? Jdbc.one(c, "SELECT " + COLUMNS + " FROM scorers WHERE experiment_id = ? AND name = ? AND "
                        + "version = ?", SqlScorerStore::row, experiment, name, version.get())
                : Jdbc.one(c, "SELECT " + COLUMNS + " FROM scorers WHERE experiment_id = ? AND name = ? ORDER BY "
                        + "version DESC LIMIT 1", SqlScorerStore::row, experiment, name));
    }

    @Override
    public int delete(String experimentId, String name, Optional<Integer> version) {
        long experiment = experiment(experimentId);
        return db.write(c -> version.isPresent()
                ? Jdbc.update(c, "DELETE FROM scorers WHERE experiment_id = ? AND name = ? AND version = ?",
                        experiment, name, version.get())
                : Jdbc.update(c, "DELETE FROM scorers WHERE experiment_id = ? AND name = ?", experiment, name));
    }
}
