package dev.osprey.server.eval;

import static dev.osprey.server.auth.Access.onExperiment;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.jobs.MlflowJobs;
import java.util.List;
import java.util.OptionalDouble;

/**
 * MLflow's UI route {@code POST /ajax-api/3.0/mlflow/scorer/invoke}: runs a scorer over selected traces as
 * {@code invoke_scorer} jobs, one per batch (or per session for session-level scorers), and answers their ids.
 */
public final class ScorerInvocations {
    private final MlflowJobs jobs;
    private final InvokeScorerJob function;

    public ScorerInvocations(MlflowJobs jobs, InvokeScorerJob function) {
        this.jobs = jobs;
        this.function = function;
    }

    public List<Endpoint> endpoints() {
        return List.of(new Endpoint("POST", "/mlflow/scorer/invoke", 3, this::invoke)
                .requires(onExperiment(UPDATE)));
    }

    private JsonNode invoke(ApiRequest r) {
        ObjectNode request = r.message().json();
        String experimentId = function.experimentOf(request);
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("jobs");
        for (List<String> batch : function.batches(request)) {
            ObjectNode params = Json.object().put("experiment_id", request.path("experiment_id").asText())
                    .put("serialized_scorer", request.path("serialized_scorer").asText())
                    .put("log_assessments", request.path("log_assessments").asBoolean(false));
            ArrayNode ids = params.putArray("trace_ids");
            batch.forEach(ids::add);
            MlflowJobs.MlflowJob job = jobs.submitChecked(function.name(), experimentId, params,
                    OptionalDouble.empty());
            ObjectNode entry = list.addObject().put("job_id", job.job().jobId());
            entry.set("trace_ids", ids.deepCopy());
        }
        return out;
    }
}
