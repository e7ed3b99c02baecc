package dev.osprey.server.tracking;

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
                post("/mlflow/experiments/create", experiments::create),
                get("/mlflow/experiments/get", experiments::get),
                get("/mlflow/experiments/get-by-name", experiments::getByName),
                post("/mlflow/experiments/search", experiments::search),
                get("/mlflow/experiments/search", experiments::search),
                post("/mlflow/experiments/update", experiments::update),
                post("/mlflow/experiments/delete", experiments::delete),
                post("/mlflow/experiments/restore", experiments::restore),
                post("/mlflow/experiments/set-experiment-tag", experiments::setTag),
                post("/mlflow/experiments/delete-experiment-tag", experiments::deleteTag),

                post("/mlflow/runs/create", runs::create),
                get("/mlflow/runs/get", runs::get),
                post("/mlflow/runs/update", runs::update),
                post("/mlflow/runs/delete", runs::delete),
                post("/mlflow/runs/restore", runs::restore),
                post("/mlflow/runs/search", runs::search),
                post("/mlflow/runs/log-metric", runs::logMetric),
                post("/mlflow/runs/log-parameter", runs::logParam),
                post("/mlflow/runs/set-tag", runs::setTag),
                post("/mlflow/runs/delete-tag", runs::deleteTag),
                post("/mlflow/runs/log-batch", runs::logBatch),
                post("/mlflow/runs/log-inputs", runs::logInputs),
                post("/mlflow/runs/outputs", runs::logOutputs),
                post("/mlflow/runs/log-model", runs::logModel),

                get("/mlflow/metrics/get-history", metrics::history),
                get("/mlflow/metrics/get-history-bulk-interval", metrics::bulkInterval),
                get("/mlflow/metrics/get-history-bulk", metrics::bulk));
    }
}
