package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.store.ScorerStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link ScorerStore} in the tracking store's database (migrations V10, V12). */
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


    @Override
    public ScorerVersion register(String experimentId, String name, String serializedScorer, long creationTime) {
        long experiment = ExperimentsSql.requireId(experimentId);
        // Registrations racing for the same next version: the unique index refuses all but one; they run again.
        return db.writeRetryingConflicts(MAX_ATTEMPTS, c -> {
            Optional<String> known = Jdbc.one(c, "SELECT scorer_id FROM scorer_versions WHERE experiment_id = ? "
                    + "AND name = ? ORDER BY version LIMIT 1", rs -> rs.getString(1), experiment, name);
            int next = Jdbc.one(c, "SELECT MAX(version) FROM scorer_versions WHERE experiment_id = ? AND name = ?",
                    rs -> rs.getInt(1), experiment, name).orElse(0) + 1;
            ScorerVersion v = new ScorerVersion(known.orElseGet(() -> UUID.randomUUID().toString()
                    .replace("-", "")), experimentId, name, next, serializedScorer, creationTime);
            Jdbc.update(c, "INSERT INTO scorer_versions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)", v.scorerId(),
                    experiment, name, next, serializedScorer, creationTime);
            return v;
        });
    }

    @Override
    public List<ScorerVersion> latest(List<String> experimentIds) {
        if (experimentIds.isEmpty()) {
            return List.of();
        }
        List<Object> args = new ArrayList<>();
        experimentIds.forEach(id -> args.add(ExperimentsSql.requireId(id)));
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM scorer_versions s WHERE experiment_id IN ("
                + Jdbc.marks(args.size()) + ") AND version = (SELECT MAX(version) FROM scorer_versions m WHERE "
                + "m.experiment_id = s.experiment_id AND m.name = s.name) ORDER BY experiment_id, name",
                SqlScorerStore::row, args.toArray()));
    }

    @Override
    public List<ScorerVersion> versions(String experimentId, String name) {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM scorer_versions WHERE experiment_id = ? AND name = ? "
                + "ORDER BY version", SqlScorerStore::row, ExperimentsSql.requireId(experimentId), name));
    }

    @Override
    public Optional<ScorerVersion> get(String experimentId, String name, Optional<Integer> version) {
        long experiment = ExperimentsSql.requireId(experimentId);
        return db.read(c -> version.isPresent()
                ? Jdbc.one(c, "SELECT " + COLUMNS + " FROM scorer_versions WHERE experiment_id = ? AND name = ? AND "
                        + "version = ?", SqlScorerStore::row, experiment, name, version.get())
                : Jdbc.one(c, "SELECT " + COLUMNS + " FROM scorer_versions WHERE experiment_id = ? AND name = ? ORDER BY "
                        + "version DESC LIMIT 1", SqlScorerStore::row, experiment, name));
    }

    @Override
    public Optional<ScorerVersion> byId(String scorerId, int version) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM scorer_versions WHERE scorer_id = ? AND "
                + "version = ?", SqlScorerStore::row, scorerId, version));
    }

    @Override
    public int delete(String experimentId, String name, Optional<Integer> version) {
        long experiment = ExperimentsSql.requireId(experimentId);
        return db.write(c -> {
            int deleted = version.isPresent()
                    ? Jdbc.update(c, "DELETE FROM scorer_versions WHERE experiment_id = ? AND name = ? AND version = ?",
                            experiment, name, version.get())
                    : Jdbc.update(c, "DELETE FROM scorer_versions WHERE experiment_id = ? AND name = ?", experiment,
                            name);
            if (Jdbc.one(c, "SELECT 1 FROM scorer_versions WHERE experiment_id = ? AND name = ?", rs -> 1, experiment,
                    name).isEmpty()) {
                Jdbc.update(c, "DELETE FROM online_scoring_configs WHERE experiment_id = ? AND name = ?", experiment,
                        name);
                Grants.forget(c, dev.osprey.store.AuthStore.ResourceType.SCORER, experiment + "/" + name);
            }
            return deleted;
        });
    }

    private static final String CONFIG_COLUMNS = "config_id, scorer_id, experiment_id, name, sample_rate, "
            + "filter_string, update_time";

    private static OnlineConfig config(ResultSet rs) throws SQLException {
        return new OnlineConfig(rs.getString(1), rs.getString(2), Long.toString(rs.getLong(3)), rs.getString(4),
                rs.getDouble(5), Optional.ofNullable(rs.getString(6)), rs.getLong(7));
    }

    @Override
    public OnlineConfig putOnlineConfig(String experimentId, String name, double sampleRate, Optional<String> filter,
            long now) {
        long experiment = ExperimentsSql.requireId(experimentId);
        return db.write(c -> {
            String scorerId = Jdbc.one(c, "SELECT scorer_id FROM scorer_versions WHERE experiment_id = ? AND name = ? "
                    + "ORDER BY version LIMIT 1", rs -> rs.getString(1), experiment, name)
                    .orElseThrow(() -> OspreyException.notFound("Scorer with name '" + name + "' not found for "
                            + "experiment " + experimentId + "."));
            if (Jdbc.update(c, "UPDATE online_scoring_configs SET sample_rate = ?, filter_string = ?, update_time = ? "
                    + "WHERE scorer_id = ?", sampleRate, filter.orElse(null), now, scorerId) == 0) {
                Jdbc.update(c, "INSERT INTO online_scoring_configs (" + CONFIG_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, "
                        + "?)", UUID.randomUUID().toString().replace("-", ""), scorerId, experiment, name, sampleRate,
                        filter.orElse(null), now);
            }
            return Jdbc.one(c, "SELECT " + CONFIG_COLUMNS + " FROM online_scoring_configs WHERE scorer_id = ?",
                    SqlScorerStore::config, scorerId).orElseThrow();
        });
    }

    @Override
    public List<OnlineConfig> onlineConfigs(List<String> scorerIds) {
        if (scorerIds.isEmpty()) {
            return List.of();
        }
        return db.read(c -> Jdbc.list(c, "SELECT " + CONFIG_COLUMNS + " FROM online_scoring_configs WHERE scorer_id "
                + "IN (" + Jdbc.marks(scorerIds.size()) + ") ORDER BY experiment_id, name", SqlScorerStore::config,
                scorerIds.toArray()));
    }

    @Override
    public List<OnlineConfig> activeOnlineConfigs() {
        return db.read(c -> Jdbc.list(c, "SELECT " + CONFIG_COLUMNS + " FROM online_scoring_configs WHERE "
                + "sample_rate > 0 ORDER BY experiment_id, name", SqlScorerStore::config));
    }
}
