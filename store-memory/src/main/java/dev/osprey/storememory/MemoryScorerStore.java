package dev.osprey.storememory;

import dev.osprey.core.OspreyException;
import dev.osprey.store.AuthStore;
import dev.osprey.store.ScorerStore;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link ScorerStore} on the in-memory tables. */
final class MemoryScorerStore implements ScorerStore {
    private static final Comparator<ScorerVersion> BY_EXPERIMENT_AND_NAME = Comparator
            .comparingLong((ScorerVersion v) -> Long.parseLong(v.experimentId())).thenComparing(ScorerVersion::name);
    private static final Comparator<OnlineConfig> CONFIG_ORDER = Comparator
            .comparingLong((OnlineConfig c) -> Long.parseLong(c.experimentId())).thenComparing(OnlineConfig::name);

    private final MemoryDatabase db;

    MemoryScorerStore(MemoryDatabase db) {
        this.db = db;
    }

    private static String requireId(String experimentId) {
        return Long.toString(Tables.requireExperimentId(experimentId));
    }

    private List<ScorerVersion> versionsOf(String experimentId, String name) {
        return db.scorerVersions.stream().filter(v -> v.experimentId().equals(experimentId) && v.name().equals(name))
                .sorted(Comparator.comparingInt(ScorerVersion::version)).toList();
    }

    @Override
    public ScorerVersion register(String experimentId, String name, String serializedScorer, long creationTime) {
        String experiment = requireId(experimentId);
        return db.locked(() -> {
            List<ScorerVersion> existing = versionsOf(experiment, name);
            String scorerId = existing.isEmpty() ? UUID.randomUUID().toString().replace("-", "")
                    : existing.get(0).scorerId();
            int next = existing.isEmpty() ? 1 : existing.get(existing.size() - 1).version() + 1;
            ScorerVersion v = new ScorerVersion(scorerId, experiment, name, next, serializedScorer, creationTime);
            db.scorerVersions.add(v);
            return v;
        });
    }

    @Override
    public List<ScorerVersion> latest(List<String> experimentIds) {
        List<String> ids = experimentIds.stream().map(MemoryScorerStore::requireId).toList();
        return db.locked(() -> db.scorerVersions.stream().filter(v -> ids.contains(v.experimentId()))
                .filter(v -> v.version() == versionsOf(v.experimentId(), v.name()).getLast().version())
                .sorted(BY_EXPERIMENT_AND_NAME).toList());
    }

    @Override
    public List<ScorerVersion> versions(String experimentId, String name) {
        String experiment = requireId(experimentId);
        return db.locked(() -> versionsOf(experiment, name));
    }

    @Override
    public Optional<ScorerVersion> get(String experimentId, String name, Optional<Integer> version) {
        String experiment = requireId(experimentId);
        return db.locked(() -> {
            List<ScorerVersion> all = versionsOf(experiment, name);
            return version.isPresent() ? all.stream().filter(v -> v.version() == version.get()).findFirst()
                    : all.stream().reduce((a, b) -> b);
        });
    }

    @Override
    public Optional<ScorerVersion> byId(String scorerId, int version) {
        return db.locked(() -> db.scorerVersions.stream().filter(v -> v.scorerId().equals(scorerId)
                && v.version() == version).findFirst());
    }

    @Override
    public int delete(String experimentId, String name, Optional<Integer> version) {
        String experiment = requireId(experimentId);
        return db.locked(() -> {
            int before = db.scorerVersions.size();
            db.scorerVersions.removeIf(v -> v.experimentId().equals(experiment) && v.name().equals(name)
                    && (version.isEmpty() || v.version() == version.get()));
            int deleted = before - db.scorerVersions.size();
            if (versionsOf(experiment, name).isEmpty()) {
                db.onlineConfigs.values().removeIf(c -> c.experimentId().equals(experiment) && c.name().equals(name));
                db.forgetGrants(AuthStore.ResourceType.SCORER, experiment + "/" + name);
            }
            return deleted;
        });
    }

    @Override
    public OnlineConfig putOnlineConfig(String experimentId, String name, double sampleRate, Optional<String> filter,
            long now) {
        String experiment = requireId(experimentId);
        return db.locked(() -> {
            List<ScorerVersion> versions = versionsOf(experiment, name);
            if (versions.isEmpty()) {
                throw OspreyException.notFound("Scorer with name '" + name + "' not found for experiment "
                        + experimentId + ".");
            }
            String scorerId = versions.get(0).scorerId();
            String configId = Optional.ofNullable(db.onlineConfigs.get(scorerId)).map(OnlineConfig::configId)
                    .orElseGet(() -> UUID.randomUUID().toString().replace("-", ""));
            OnlineConfig config = new OnlineConfig(configId, scorerId, experiment, name, sampleRate, filter, now);
            db.onlineConfigs.put(scorerId, config);
            return config;
        });
    }

    @Override
    public List<OnlineConfig> onlineConfigs(List<String> scorerIds) {
        return db.locked(() -> scorerIds.stream().distinct().map(db.onlineConfigs::get)
                .filter(java.util.Objects::nonNull).sorted(CONFIG_ORDER).toList());
    }

    @Override
    public List<OnlineConfig> activeOnlineConfigs() {
        return db.locked(() -> db.onlineConfigs.values().stream().filter(c -> c.sampleRate() > 0)
                .sorted(CONFIG_ORDER).toList());
    }
}
