package dev.osprey.storememory;

import dev.osprey.core.OspreyException;
import dev.osprey.store.JobStore;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** {@link JobStore} on the in-memory tables. */
final class MemoryJobStore implements JobStore {
    private final MemoryDatabase db;

    MemoryJobStore(MemoryDatabase db) {
        this.db = db;
    }

    @Override
    public void create(Job job) {
        Tables.requireExperimentId(job.experimentId());
        db.locked(() -> {
            if (db.jobs.containsKey(job.jobId())) {
                throw OspreyException.alreadyExists("Job " + job.jobId() + " already exists.");
            }
            db.jobs.put(job.jobId(), job);
        });
    }

    @Override
    public Optional<Job> get(String jobId) {
        return db.locked(() -> Optional.ofNullable(db.jobs.get(jobId)));
    }

    @Override
    public List<Job> list(String experimentId, String kind, int maxResults) {
        String experiment = Long.toString(Tables.requireExperimentId(experimentId));
        return db.locked(() -> db.jobs.values().stream()
                .filter(j -> j.experimentId().equals(experiment) && j.kind().equals(kind))
                .sorted(Comparator.comparingLong(Job::createdTime).reversed().thenComparing(Job::jobId))
                .limit(maxResults).toList());
    }

    @Override
    public List<Job> listOfKind(String kind, int maxResults) {
        return db.locked(() -> db.jobs.values().stream().filter(j -> j.kind().equals(kind))
                .sorted(Comparator.comparingLong(Job::createdTime).reversed().thenComparing(Job::jobId))
                .limit(maxResults).toList());
    }

    @Override
    public boolean delete(String jobId) {
        return db.locked(() -> db.jobs.remove(jobId) != null);
    }

    @Override
    public List<Job> unfinished(String kind) {
        return db.locked(() -> db.jobs.values().stream().filter(j -> j.kind().equals(kind) && !j.finished())
                .sorted(Comparator.comparingLong(Job::createdTime)).toList());
    }

    @Override
    public Job update(String jobId, String status, long completed, long total, Optional<String> resultJson,
            Optional<String> error, long now) {
        return db.locked(() -> {
            Job j = db.jobs.get(jobId);
            if (j == null) {
                throw OspreyException.notFound("Job " + jobId + " not found.");
            }
            if (j.status().equals("CANCELED")) {
                return j;
            }
            Job updated = new Job(j.jobId(), j.kind(), j.experimentId(), j.runId(), status, j.paramsJson(), completed,
                    total, resultJson, error, j.createdTime(), now);
            db.jobs.put(jobId, updated);
            return updated;
        });
    }
}
