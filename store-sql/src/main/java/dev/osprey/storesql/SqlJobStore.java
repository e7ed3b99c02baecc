package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.store.JobStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link JobStore} in the tracking store's database (migration V13). */
final class SqlJobStore implements JobStore {
    private static final String COLUMNS = "job_id, kind, experiment_id, run_id, status, params_json, completed, total, "
            + "result_json, error_message, created_time, updated_time";
    private final Database db;

    SqlJobStore(Database db) {
        this.db = db;
    }

    private static Job row(ResultSet rs) throws SQLException {
        return new Job(rs.getString(1), rs.getString(2), Long.toString(rs.getLong(3)),
                Optional.ofNullable(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8),
                Optional.ofNullable(rs.getString(9)), Optional.ofNullable(rs.getString(10)), rs.getLong(11),
                rs.getLong(12));
    }


    @Override
    public void create(Job j) {
        db.write(c -> Jdbc.update(c, "INSERT INTO jobs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                j.jobId(), j.kind(), ExperimentsSql.requireId(j.experimentId()), j.runId().orElse(null), j.status(),
                j.paramsJson(), j.completed(), j.total(), j.resultJson().orElse(null), j.error().orElse(null),
                j.createdTime(), j.updatedTime()));
    }

    @Override
    public Optional<Job> get(String jobId) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM jobs WHERE job_id = ?", SqlJobStore::row, jobId));
    }

    @Override
    public List<Job> list(String experimentId, String kind, int maxResults) {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM jobs WHERE experiment_id = ? AND kind = ? "
                + "ORDER BY created_time DESC, job_id LIMIT ?", SqlJobStore::row, ExperimentsSql.requireId(experimentId), kind,
                maxResults));
    }

    @Override
    public List<Job> listOfKind(String kind, int maxResults) {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM jobs WHERE kind = ? "
                + "ORDER BY created_time DESC, job_id LIMIT ?", SqlJobStore::row, kind, maxResults));
    }

    @Override
    public boolean delete(String jobId) {
        return db.write(c -> Jdbc.update(c, "DELETE FROM jobs WHERE job_id = ?", jobId)) > 0;
    }

    @Override
    public List<Job> unfinished(String kind) {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM jobs WHERE kind = ? AND status IN "
                + "('PENDING', 'IN_PROGRESS') ORDER BY created_time", SqlJobStore::row, kind));
    }

    @Override
    public Job update(String jobId, String status, long completed, long total, Optional<String> resultJson,
            Optional<String> error, long now) {
        return db.write(c -> {
            Jdbc.update(c, "UPDATE jobs SET status = ?, completed = ?, total = ?, result_json = ?, error_message = ?, "
                    + "updated_time = ? WHERE job_id = ? AND status <> 'CANCELED'", status, completed, total,
                    resultJson.orElse(null), error.orElse(null), now, jobId);
            return Jdbc.one(c, "SELECT " + COLUMNS + " FROM jobs WHERE job_id = ?", SqlJobStore::row, jobId)
                    .orElseThrow(() -> OspreyException.notFound("Job " + jobId + " not found."));
        });
    }
}
