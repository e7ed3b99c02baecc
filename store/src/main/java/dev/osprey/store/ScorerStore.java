package dev.osprey.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Registered scorers per experiment (spec/genai.md §3): each registration of a name adds a version, starting at 1.
 * The serialized scorer is opaque text, stored verbatim. Missing ones are {@code RESOURCE_DOES_NOT_EXIST}.
 */
public interface ScorerStore {

    /** Stores the next version of {@code name} in the experiment, atomically. */
    ScorerVersion register(String experimentId, String name, String serializedScorer, long creationTime);

    /** The latest version of every scorer name in the experiments, by experiment then name. */
    List<ScorerVersion> latest(List<String> experimentIds);

    /** Every version of one name, oldest first. */
    List<ScorerVersion> versions(String experimentId, String name);

    /** One version, or the latest when none is given. */
    Optional<ScorerVersion> get(String experimentId, String name, Optional<Integer> version);

    /** Deletes one version, or all when none is given; returns how many. */
    int delete(String experimentId, String name, Optional<Integer> version);

    /** A version by the scorer's id (stable across versions, as MLflow's), as guardrails name it. */
    Optional<ScorerVersion> byId(String scorerId, int version);

    /**
     * Sets the online scoring configuration of a registered scorer (creating or replacing it).
     *
     * @throws dev.osprey.core.OspreyException RESOURCE_DOES_NOT_EXIST when the scorer has no version
     */
    OnlineConfig putOnlineConfig(String experimentId, String name, double sampleRate, Optional<String> filter,
            long now);

    /** The configurations of these scorer ids; unknown ids are left out. */
    List<OnlineConfig> onlineConfigs(List<String> scorerIds);

    /** Every configuration with a sample rate above zero, for the online scoring worker. */
    List<OnlineConfig> activeOnlineConfigs();

    /** How a registered scorer runs on new traces: the share sampled and a trace filter. */
    record OnlineConfig(String configId, String scorerId, String experimentId, String name, double sampleRate,
            Optional<String> filter, long updateTime) {
        public OnlineConfig {
            Objects.requireNonNull(configId, "configId");
            Objects.requireNonNull(scorerId, "scorerId");
            Objects.requireNonNull(experimentId, "experimentId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(filter, "filter");
        }
    }

    /** One registered version; the scorer id is the same for every version of a name. */
    record ScorerVersion(String scorerId, String experimentId, String name, int version, String serializedScorer,
            long creationTime) {
        public ScorerVersion {
            Objects.requireNonNull(scorerId, "scorerId");
            Objects.requireNonNull(experimentId, "experimentId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(serializedScorer, "serializedScorer");
        }
    }
}
