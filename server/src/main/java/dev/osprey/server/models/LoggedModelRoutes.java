package dev.osprey.server.models;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.LoggedModel;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.LoggedModelCodec;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.TrackingCodec;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.artifacts.ArtifactListings;
import dev.osprey.server.artifacts.ArtifactLocations;
import dev.osprey.server.tracking.Requests;
import dev.osprey.store.LoggedModelQuery;
import java.util.List;

/** Logged model RPCs (spec/genai.md §1), with the model id in the path. */
public final class LoggedModelRoutes {
    private static final String BASE = "/mlflow/logged-models";
    private static final String ONE = BASE + "/{model_id}";
    private final LoggedModelService models;
    private final ArtifactLocations locations;

    public LoggedModelRoutes(LoggedModelService models, ArtifactLocations locations) {
        this.models = models;
        this.locations = locations;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.post(BASE, this::create).requires(onExperiment(UPDATE)),
                Endpoint.post(BASE + "/search", this::search).requires(inReadableExperiments()),
                Endpoint.get(ONE, this::get).requires(onLoggedModel(READ)),
                Endpoint.patch(ONE, this::finalizeModel).requires(onLoggedModel(UPDATE)),
                Endpoint.delete(ONE, this::delete).requires(onLoggedModel(DELETE)),
                Endpoint.patch(ONE + "/tags", this::setTags).requires(onLoggedModel(UPDATE)),
                Endpoint.delete(ONE + "/tags/{tag_key}", this::deleteTag).requires(onLoggedModel(UPDATE)),
                Endpoint.post(ONE + "/params", this::logParams).requires(onLoggedModel(UPDATE)),
                Endpoint.get(ONE + "/artifacts/directories", this::listArtifacts).requires(onLoggedModel(READ)));
    }

    private static JsonNode model(LoggedModel m) {
        return Json.object("model", LoggedModelCodec.loggedModel(m));
    }

    private static List<Param> params(Message m) {
        return m.messages("params").stream().map(p -> new Param(p.requiredString("key"),
                p.string("value").orElse(""))).toList();
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        return model(models.create(m.requiredString("experiment_id"), m.string("name"), m.string("model_type"),
                m.string("source_run_id"), params(m), Requests.tags(m, "tags")));
    }

    JsonNode get(ApiRequest r) {
        boolean allowDeleted = r.message().bool("allow_deleted").orElse(false);
        return model(models.get(r.pathParam("model_id"), allowDeleted));
    }

    JsonNode finalizeModel(ApiRequest r) {
        return model(models.finalizeModel(r.pathParam("model_id"), r.message().requiredString("status")));
    }

    JsonNode delete(ApiRequest r) {
        models.delete(r.pathParam("model_id"));
        return Json.object();
    }

    JsonNode setTags(ApiRequest r) {
        models.setTags(r.pathParam("model_id"), Requests.tags(r.message(), "tags"));
        return Json.object();
    }

    JsonNode deleteTag(ApiRequest r) {
        models.deleteTag(r.pathParam("model_id"), r.pathParam("tag_key"));
        return Json.object();
    }

    JsonNode logParams(ApiRequest r) {
        models.logParams(r.pathParam("model_id"), params(r.message()));
        return Json.object();
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        List<LoggedModelQuery.DatasetRef> datasets = m.messages("datasets").stream()
                .map(d -> new LoggedModelQuery.DatasetRef(d.requiredString("dataset_name"),
                        d.string("dataset_digest").filter(s -> !s.isEmpty()))).toList();
        List<LoggedModelService.OrderItem> order = m.messages("order_by").stream()
                .map(o -> new LoggedModelService.OrderItem(o.requiredString("field_name"),
                        o.bool("ascending").orElse(true), o.string("dataset_name").filter(s -> !s.isEmpty()),
                        o.string("dataset_digest").filter(s -> !s.isEmpty()))).toList();
        Page<LoggedModel> page = models.search(m.strings("experiment_ids"), m.string("filter"), datasets, order,
                m.int64("max_results").orElse(0), m.string("page_token"));
        return TrackingCodec.page("models", page, LoggedModelCodec::loggedModel);
    }

    /** Immediate children of a directory of the model's artifacts, paths relative to its root (spec §4.2). */
    JsonNode listArtifacts(ApiRequest r) {
        LoggedModel model = models.get(r.pathParam("model_id"), false);
        ArtifactPath sub = ArtifactPath.parse(r.message().string("artifact_directory_path").orElse(""));
        return ArtifactListings.list(locations, model.artifactUri(), sub);
    }

    /** The model's artifact location, for the UI download route. */
    public ArtifactLocations.Location location(String modelId) {
        return locations.resolve(models.get(modelId, false).artifactUri());
    }
}
