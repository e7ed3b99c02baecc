package dev.osprey.server.tracking;

import dev.osprey.store.AuthStore.ResourceType;
import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import static dev.osprey.server.api.Endpoint.get;
import static dev.osprey.server.api.Endpoint.post;

import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TrackingStore;
import java.time.Clock;
import java.util.List;

/** Every tracking RPC in one table: method, path (under /api/2.0 and /ajax-api/2.0), handler. */
public final class TrackingRoutes {
    private TrackingRoutes() {}

    public static List<Endpoint> endpoints(TrackingStore store, ExperimentService experimentService,
            boolean truncateLongValues, Clock clock) {
        ExperimentHandlers experiments = new ExperimentHandlers(experimentService);
        RunHandlers runs = new RunHandlers(new RunService(store, truncateLongValues), clock);
        MetricHandlers metrics = new MetricHandlers(new MetricService(store));
        return List.of(
                post("/mlflow/experiments/create", experiments::create).requires(createsExperiment()),
                get("/mlflow/experiments/get", experiments::get).requires(onExperiment(READ)),
                get("/mlflow/experiments/get-by-name", experiments::getByName).requires(experimentByName()),
                post("/mlflow/experiments/search", experiments::search).requires(listsReadable(ResourceType.EXPERIMENT, "experiments", "experiment_id")),
                get("/mlflow/experiments/search", experiments::search).requires(listsReadable(ResourceType.EXPERIMENT, "experiments", "experiment_id")),
                post("/mlflow/experiments/search-datasets", experiments::searchDatasets).requires(inReadableExperiments()),
                post("/mlflow/experiments/update", experiments::update).requires(onExperiment(UPDATE)),
                post("/mlflow/experiments/delete", experiments::delete).requires(onExperiment(DELETE)),
                post("/mlflow/experiments/restore", experiments::restore).requires(onExperiment(DELETE)),
                post("/mlflow/experiments/set-experiment-tag", experiments::setTag).requires(onExperiment(UPDATE)),
                post("/mlflow/experiments/delete-experiment-tag", experiments::deleteTag).requires(onExperiment(UPDATE)),

                post("/mlflow/runs/create", runs::create).requires(onExperiment(UPDATE)),
                get("/mlflow/runs/get", runs::get).requires(onRun(READ)),
                post("/mlflow/runs/update", runs::update).requires(onRun(UPDATE)),
                post("/mlflow/runs/delete", runs::delete).requires(onRun(DELETE)),
                post("/mlflow/runs/restore", runs::restore).requires(onRun(DELETE)),
                post("/mlflow/runs/search", runs::search).requires(inReadableExperiments()),
                post("/mlflow/runs/log-metric", runs::logMetric).requires(onRun(UPDATE)),
                post("/mlflow/runs/log-parameter", runs::logParam).requires(onRun(UPDATE)),
                post("/mlflow/runs/set-tag", runs::setTag).requires(onRun(UPDATE)),
                post("/mlflow/runs/delete-tag", runs::deleteTag).requires(onRun(UPDATE)),
                post("/mlflow/runs/log-batch", runs::logBatch).requires(onRun(UPDATE)),
                post("/mlflow/runs/log-inputs", runs::logInputs).requires(onRun(UPDATE)),
                post("/mlflow/runs/outputs", runs::logOutputs).requires(onRun(UPDATE)),
                post("/mlflow/runs/log-model", runs::logModel).requires(onRun(UPDATE)),

                get("/mlflow/metrics/get-history", metrics::history).requires(onRun(READ)),
                get("/mlflow/metrics/get-history-bulk-interval", metrics::bulkInterval).requires(onRuns(READ, "run_ids")),
                get("/mlflow/metrics/get-history-bulk", metrics::bulk).requires(onRuns(READ, "run_id")));
    }
}
