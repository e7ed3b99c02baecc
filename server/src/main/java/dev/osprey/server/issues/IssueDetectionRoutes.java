package dev.osprey.server.issues;

import static dev.osprey.server.auth.Access.onExperiment;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.jobs.MlflowJobs;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.StorageComponent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.UUID;

/**
 * The UI's {@code POST /ajax-api/3.0/mlflow/issues/invoke}: MLflow's issue-detection request. As MLflow's handler does,
 * it makes the detection run first (tagged with its type, categories, model and trace count) so the run id is
 * answered at once with the job's, then submits {@link IssueDetectionJob}. The model is a gateway endpoint
 * ({@code endpoint_name}) or a provider and model, with the gateway secret holding the key ({@code secret_id}).
 */
public final class IssueDetectionRoutes {
    private final MlflowJobs jobs;
    private final IssueDetectionJob function;
    private final StorageComponent storage;
    private final Clock clock;

    public IssueDetectionRoutes(MlflowJobs jobs, IssueDetectionJob function, StorageComponent storage, Clock clock) {
        this.jobs = jobs;
        this.function = function;
        this.storage = storage;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(new Endpoint("POST", "/mlflow/issues/invoke", 3, this::invoke).requires(onExperiment(UPDATE)));
    }

    private JsonNode invoke(ApiRequest r) {
        ObjectNode body = r.message().json();
        String experimentId = text(body, "experiment_id", true);
        if (!body.path("trace_ids").isArray()) {
            throw OspreyException.invalid("Missing value for required parameter 'trace_ids' (a list).");
        }
        if (!body.path("categories").isArray()) {
            throw OspreyException.invalid("Missing value for required parameter 'categories' (a list).");
        }
        String provider = text(body, "provider", true);
        String model = text(body, "model", false);
        String endpoint = text(body, "endpoint_name", false);
        if (endpoint.isEmpty() && (provider.isEmpty() || model.isEmpty())) {
            throw OspreyException.invalid("Either 'endpoint_name' or both 'provider' and 'model' must be provided");
        }
        String modelUri = endpoint.isEmpty() ? provider + ":/" + model : "gateway:/" + endpoint;
        ObjectNode params = Json.object().put("experiment_id", experimentId);
        params.set("trace_ids", body.get("trace_ids"));
        params.set("categories", body.get("categories"));
        params.put("model", modelUri);
        if (!text(body, "secret_id", false).isEmpty()) {
            params.put("secret_id", text(body, "secret_id", false)); // the id, never the key: the job opens it
        }
        function.experimentOf(params); // every check before the run is made

        List<String> categories = new ArrayList<>();
        body.path("categories").forEach(c -> categories.add(c.asText()));
        List<Tag> tags = new ArrayList<>(List.of(new Tag("mlflow.runType", "issue_detection"),
                new Tag("categories", String.join(",", categories)), new Tag("model", modelUri),
                new Tag("total_traces", Integer.toString(body.path("trace_ids").size()))));
        if (!endpoint.isEmpty()) {
            tags.add(new Tag("endpoint_name", endpoint));
        }
        String runId = UUID.randomUUID().toString().replace("-", "");
        storage.tracking().createRun(new NewRun(runId, experimentId, AccessPolicy.callerName().orElse(""),
                "issue_detection_" + clock.millis(), clock.millis(), tags));
        params.put("run_id", runId);
        String jobId = jobs.submitChecked(IssueDetectionJob.NAME, experimentId, params, OptionalDouble.empty())
                .job().jobId();
        storage.tracking().logBatch(runId, new MetricBatch(List.of(), List.of(),
                List.of(new Tag("mlflow.issueDetection.jobId", jobId))));
        return Json.object().put("job_id", jobId).put("run_id", runId);
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode v = body.path(field);
        if (!v.isMissingNode() && !v.isNull() && !v.isTextual()) {
            throw OspreyException.invalid("Invalid value for parameter '" + field + "': expected a string.");
        }
        if (required && v.asText("").isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter '" + field + "'.");
        }
        return v.asText("");
    }
}
