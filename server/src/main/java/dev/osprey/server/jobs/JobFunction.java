package dev.osprey.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A job that MLflow's job API submits by name ({@code job_name}, such as {@code invoke_scorer}), run by the server
 * itself rather than by MLflow's Huey workers in Python subprocesses.
 */
public interface JobFunction {

    /** MLflow's job name. */
    String name();

    /**
     * Checks the params before anything is stored (a client's mistake is answered then, not found in a failed job)
     * and names the experiment the job belongs to: its permissions and workspace are the job's.
     */
    String experimentOf(ObjectNode params);

    /** Runs the job; what it returns is the job's result. Cancellation and time-outs end it at {@code stopped()}. */
    JsonNode run(ObjectNode params, Progress progress);

    /** What a running job reports and asks. */
    interface Progress {
        /** Canceled, timed out or the server closing: stop after the current unit of work. */
        boolean stopped();

        void report(long completed, long total);

        /** The job's id: what a job tags its own records with, to find them when it is resumed. */
        String jobId();
    }
}
