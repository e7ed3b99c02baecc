package dev.osprey.server.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Experiment;
import dev.osprey.core.Page;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.TrackingCodec;
import dev.osprey.server.api.ApiRequest;

/** Experiment endpoints: decode, one service call, encode. */
final class ExperimentHandlers {
    private final ExperimentService experiments;

    ExperimentHandlers(ExperimentService experiments) {
        this.experiments = experiments;
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        String id = experiments.create(m.requiredString("name"), m.string("artifact_location"),
                Requests.tags(m, "tags"), r.workspace());
        ObjectNode out = Json.object();
        out.put("experiment_id", id);
        return out;
    }

    JsonNode get(ApiRequest r) {
        return experiment(experiments.get(r.message().requiredString("experiment_id")));
    }

    JsonNode getByName(ApiRequest r) {
        return experiment(experiments.getByName(r.message().requiredString("experiment_name"),
                r.workspaceName()));
    }

    private static JsonNode experiment(Experiment e) {
        return Json.object("experiment", TrackingCodec.experiment(e));
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        Page<Experiment> page = experiments.search(m.string("filter"), m.strings("order_by"),
                Requests.viewType(m, "view_type"), m.int64("max_results").orElse(0), m.string("page_token"),
                r.workspaceName());
        return TrackingCodec.page("experiments", page, TrackingCodec::experiment);
    }

    /** The UI's SearchDatasets: the datasets the runs of (at most 20) experiments logged as inputs. */
    JsonNode searchDatasets(ApiRequest r) {
        ObjectNode out = Json.object();
        var summaries = out.putArray("dataset_summaries");
        for (var d : experiments.datasetSummaries(r.message().strings("experiment_ids"))) {
            ObjectNode s = summaries.addObject().put("experiment_id", d.experimentId()).put("name", d.name())
                    .put("digest", d.digest());
            d.context().ifPresent(c -> s.put("context", c));
        }
        if (summaries.isEmpty()) {
            out.remove("dataset_summaries");
        }
        return out;
    }

    JsonNode update(ApiRequest r) {
        Message m = r.message();
        String id = m.requiredString("experiment_id");
        m.string("new_name").filter(s -> !s.isEmpty()).ifPresentOrElse(name -> experiments.rename(id, name),
                () -> {
                    throw Message.missing("new_name");
                });
        return Json.object();
    }

    JsonNode delete(ApiRequest r) {
        experiments.delete(r.message().requiredString("experiment_id"));
        return Json.object();
    }

    JsonNode restore(ApiRequest r) {
        experiments.restore(r.message().requiredString("experiment_id"));
        return Json.object();
    }

    JsonNode setTag(ApiRequest r) {
        Message m = r.message();
        experiments.setTag(m.requiredString("experiment_id"), new Tag(m.requiredString("key"),
                m.string("value").orElse("")));
        return Json.object();
    }

    JsonNode deleteTag(ApiRequest r) {
        Message m = r.message();
        experiments.deleteTag(m.requiredString("experiment_id"), m.requiredString("key"));
        return Json.object();
    }
}
