package dev.osprey.server.scorers;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.ScorerStore;
import dev.osprey.store.ScorerStore.OnlineConfig;
import dev.osprey.store.ScorerStore.ScorerVersion;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * MLflow's scorer registry RPCs (spec/genai.md §3), version 3.0 routes: each registration of a name in an experiment
 * adds a version; the serialized scorer is opaque text kept verbatim. {@code experiment_id} goes out as a JSON number
 * (proto int32), as MLflow's clients expect.
 */
public final class ScorerRoutes {
    private static final String S = "/mlflow/scorers";
    private final StorageComponent storage;
    private final TrackingStore store;
    private final ScorerStore scorers;
    private final Clock clock;

    private final ScorerSpecs.JudgeModels models;

    public ScorerRoutes(StorageComponent storage, ScorerSpecs.JudgeModels models, Clock clock) {
        this.storage = storage;
        this.store = storage.tracking();
        this.scorers = storage.scorers();
        this.models = models;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", S + "/register", 3, this::register).requires(scorerRegister()),
                new Endpoint("GET", S + "/list", 3, this::list).requires(onExperiment(READ)),
                new Endpoint("GET", S + "/versions", 3, this::versions).requires(onScorer(READ)),
                new Endpoint("GET", S + "/get", 3, this::get).requires(onScorer(READ)),
                new Endpoint("DELETE", S + "/delete", 3, this::delete).requires(dropsGrants(onScorer(DELETE))),
                new Endpoint("PUT", S + "/online-config", 3, this::putOnlineConfig).requires(onScorer(UPDATE)),
                new Endpoint("GET", S + "/online-configs", 3, this::onlineConfigs)
                        .requires(listsInReadableExperiments("configs")));
    }

    private String experiment(Message m) {
        String id = m.int64("experiment_id").isPresent() ? Long.toString(m.int64("experiment_id").getAsLong())
                : m.requiredString("experiment_id");
        if (store.getExperiment(id).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + id + " exists");
        }
        return id;
    }

    private static Optional<Integer> version(Message m) {
        return m.int64("version").isPresent() ? Optional.of((int) m.int64("version").getAsLong()) : Optional.empty();
    }

    /** MLflow's ScorerVersion message. */
    public static ObjectNode json(ScorerVersion v) {
        return Json.object().put("experiment_id", Long.parseLong(v.experimentId())).put("scorer_name", v.name())
                .put("scorer_version", v.version()).put("serialized_scorer", v.serializedScorer())
                .put("creation_time", v.creationTime()).put("scorer_id", v.scorerId());
    }

    private static ObjectNode list(List<ScorerVersion> versions) {
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("scorers");
        versions.forEach(v -> array.add(json(v)));
        return out;
    }

    private static OspreyException missing(String experimentId, String name, Optional<Integer> version) {
        return OspreyException.notFound("Scorer with name '" + name + "'" + version.map(v -> " and version " + v)
                .orElse("") + " not found for experiment " + experimentId + ".");
    }

    JsonNode register(ApiRequest r) {
        Message m = r.message();
        String experimentId = experiment(m);
        String name = m.requiredString("name");
        String serialized = m.requiredString("serialized_scorer");
        ScorerVersion v = scorers.register(experimentId, name, serialized, clock.millis());
        // RegisterScorer.Response's experiment_id is a string in MLflow's service.proto (Scorer's, in list answers,
        // is an int32): MLflow's Python client refuses a number here and no scorer could be registered from it.
        return Json.object().put("version", v.version()).put("scorer_id", v.scorerId())
                .put("experiment_id", v.experimentId()).put("name", v.name())
                .put("serialized_scorer", v.serializedScorer()).put("creation_time", v.creationTime());
    }

    JsonNode list(ApiRequest r) {
        Message m = r.message();
        List<String> ids = m.strings("experiment_ids");
        boolean one = m.string("experiment_id").isPresent() || m.int64("experiment_id").isPresent();
        if (one && !ids.isEmpty()) {
            throw OspreyException.invalid("Pass either 'experiment_id' or 'experiment_ids', not both.");
        }
        List<String> experiments = one ? List.of(experiment(m)) : ids;
        if (experiments.isEmpty()) {
            throw Message.missing("experiment_id");
        }
        return list(scorers.latest(experiments));
    }

    JsonNode versions(ApiRequest r) {
        Message m = r.message();
        String experimentId = experiment(m);
        String name = m.requiredString("name");
        List<ScorerVersion> versions = scorers.versions(experimentId, name);
        if (versions.isEmpty()) {
            throw missing(experimentId, name, Optional.empty());
        }
        return list(versions);
    }

    JsonNode get(ApiRequest r) {
        Message m = r.message();
        String experimentId = experiment(m);
        String name = m.requiredString("name");
        Optional<Integer> version = version(m);
        ScorerVersion v = scorers.get(experimentId, name, version)
                .orElseThrow(() -> missing(experimentId, name, version));
        return Json.object("scorer", json(v));
    }

    JsonNode delete(ApiRequest r) {
        Message m = r.message();
        String experimentId = experiment(m);
        String name = m.requiredString("name");
        Optional<Integer> version = version(m);
        if (scorers.delete(experimentId, name, version) == 0) {
            throw missing(experimentId, name, version);
        }
        return Json.object();
    }

    static ObjectNode json(OnlineConfig c) {
        ObjectNode out = Json.object().put("online_scoring_config_id", c.configId()).put("scorer_id", c.scorerId())
                .put("experiment_id", c.experimentId()).put("scorer_name", c.name())
                .put("sample_rate", c.sampleRate());
        c.filter().ifPresent(f -> out.put("filter_string", f));
        return out;
    }

    /**
     * Sets how a registered scorer runs on new traces (a session-level scorer: on sessions that have gone quiet). A
     * positive sample rate needs a scorer the server can run (a judge or an Osprey code scorer) and a valid trace
     * filter; both are checked here, not when scoring.
     */
    JsonNode putOnlineConfig(ApiRequest r) {
        Message m = r.message();
        String experimentId = experiment(m);
        String name = m.requiredString("name");
        double rate = m.doubleValue("sample_rate").orElseThrow(() -> Message.missing("sample_rate"));
        if (!(rate >= 0 && rate <= 1)) {
            throw OspreyException.invalid("'sample_rate' must be between 0 and 1, got " + rate + ".");
        }
        Optional<String> filter = m.string("filter_string").filter(f -> !f.isBlank());
        filter.ifPresent(EntityGrammar.TRACES::parseFilter);
        ScorerVersion latest = scorers.get(experimentId, name, Optional.empty())
                .orElseThrow(() -> missing(experimentId, name, Optional.empty()));
        if (rate > 0) {
            try {
                ScorerSpecs.parse(name, latest.serializedScorer(), models);
            } catch (ScorerSpecs.UnsupportedScorerException e) {
                throw OspreyException.invalid("Scorer '" + name + "' cannot run online: " + e.getMessage());
            }
        }
        return Json.object("config", json(scorers.putOnlineConfig(experimentId, name, rate, filter, clock.millis())));
    }

    JsonNode onlineConfigs(ApiRequest r) {
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("configs");
        List<String> ids = r.message().strings("scorer_ids");
        if (ids.isEmpty()) {
            throw Message.missing("scorer_ids");
        }
        scorers.onlineConfigs(ids).forEach(c -> array.add(json(c)));
        return out;
    }
}
