package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.store.JobStore;
import dev.osprey.store.JobStore.Job;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link JobStore} passes, per backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class JobStoreTck {
    private TrackingStore store;
    private StorageComponent storage;
    private JobStore jobs;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        jobs = storage.jobs();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private String experiment() {
        return store.createExperiment("jobs-" + UUID.randomUUID(), Optional.empty(), id -> "file:///tmp/j/" + id,
                List.of(), 1);
    }

    private static Job job(String experimentId, String kind, long created) {
        return new Job(UUID.randomUUID().toString(), kind, experimentId, Optional.of("run1"), "PENDING",
                "{\"dataset_id\": \"d-1\"}", 0, 0, Optional.empty(), Optional.empty(), created, created);
    }

    @Test
    void lifecycle_progressListAndResumeCandidates() {
        String exp = experiment();
        Job first = job(exp, "evaluation", 1);
        Job second = job(exp, "evaluation", 2);
        jobs.create(first);
        jobs.create(second);
        jobs.create(job(exp, "other", 3));
        assertThat(jobs.get(first.jobId())).contains(first);
        assertThat(jobs.list(exp, "evaluation", 10)).extracting(Job::jobId)
                .containsExactly(second.jobId(), first.jobId());
        assertThat(jobs.unfinished("evaluation")).extracting(Job::jobId).contains(first.jobId(), second.jobId());

        Job progressed = jobs.update(first.jobId(), "IN_PROGRESS", 5, 10, Optional.empty(), Optional.empty(), 7);
        assertThat(progressed.completed()).isEqualTo(5);
        assertThat(progressed.updatedTime()).isEqualTo(7);
        Job done = jobs.update(first.jobId(), "COMPLETED", 10, 10, Optional.of("{\"ok\":1}"), Optional.empty(), 8);
        assertThat(done.finished()).isTrue();
        assertThat(done.resultJson()).contains("{\"ok\":1}");
        assertThat(jobs.unfinished("evaluation")).extracting(Job::jobId).doesNotContain(first.jobId());
    }

    @Test
    void jobsOfAKind_acrossExperiments_newestFirst() {
        String kind = "kind-" + UUID.randomUUID();
        Job older = job(experiment(), kind, 10);
        Job newer = job(experiment(), kind, 20);
        Job newest = job(experiment(), kind, 30);
        jobs.create(older);
        jobs.create(newest);
        jobs.create(newer);
        jobs.create(job(experiment(), "evaluation", 40));
        assertThat(jobs.listOfKind(kind, 10)).extracting(Job::jobId)
                .containsExactly(newest.jobId(), newer.jobId(), older.jobId());
        assertThat(jobs.listOfKind(kind, 2)).extracting(Job::jobId).containsExactly(newest.jobId(), newer.jobId());
        assertThat(jobs.delete(newer.jobId())).isTrue();
        assertThat(jobs.delete(newer.jobId())).isFalse();
        assertThat(jobs.get(newer.jobId())).isEmpty();
        assertThat(jobs.listOfKind(kind, 10)).extracting(Job::jobId).containsExactly(newest.jobId(), older.jobId());
    }

    @Test
    void aCanceledJob_staysCanceled() {
        Job j = job(experiment(), "evaluation", 1);
        jobs.create(j);
        jobs.update(j.jobId(), "CANCELED", 1, 4, Optional.empty(), Optional.empty(), 2);
        Job after = jobs.update(j.jobId(), "IN_PROGRESS", 2, 4, Optional.empty(), Optional.empty(), 3);
        assertThat(after.status()).isEqualTo("CANCELED");
        assertThat(after.completed()).isEqualTo(1);
    }
}
