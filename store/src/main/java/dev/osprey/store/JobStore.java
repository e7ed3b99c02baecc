package dev.osprey.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Long-running server work (evaluations) that must outlive a restart: what to do, its status and progress. Statuses
 * follow MLflow's JobState names (PENDING, IN_PROGRESS, COMPLETED, FAILED, CANCELED).
 */
public interface JobStore {

    void create(Job job);

    Optional<Job> get(String jobId);

    /** The experiment's jobs of one kind, newest first. */
    List<Job> list(String experimentId, String kind, int maxResults);

    /** Jobs of one kind in every experiment, newest first. */
    List<Job> listOfKind(String kind, int maxResults);

    /** Removes the job; false when there was none. */
    boolean delete(String jobId);

    /** Jobs that were PENDING or IN_PROGRESS: the ones to resume. */
    List<Job> unfinished(String kind);

    /** Records progress; a job already CANCELED stays canceled. Returns the job as stored. */
    Job update(String jobId, String status, long completed, long total, Optional<String> resultJson,
            Optional<String> error, long now);

    record Job(String jobId, String kind, String experimentId, Optional<String> runId, String status,
            String paramsJson, long completed, long total, Optional<String> resultJson, Optional<String> error,
            long createdTime, long updatedTime) {
        public Job {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(experimentId, "experimentId");
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(paramsJson, "paramsJson");
            Objects.requireNonNull(resultJson, "resultJson");
            Objects.requireNonNull(error, "error");
        }

        public boolean finished() {
            return !status.equals("PENDING") && !status.equals("IN_PROGRESS");
        }
    }
}
