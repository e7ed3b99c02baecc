package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.store.ScorerStore;
import dev.osprey.store.ScorerStore.ScorerVersion;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link ScorerStore} passes, per backend. Each test uses its own experiment. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ScorerStoreTck {
    private TrackingStore store;
    private StorageComponent storage;
    private ScorerStore scorers;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        scorers = storage.scorers();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private String experiment() {
        return store.createExperiment("scorers-" + UUID.randomUUID(), Optional.empty(), id -> "file:///tmp/s/" + id,
                List.of(), 1);
    }

    @Test
    void register_numbersVersionsPerNameAndKeepsTheTextVerbatim() {
        String exp = experiment();
        String weird = "{\"name\": \"relevance\", \"text\": \"caf\u00e9 \\\\ \\\"q\\\"\"}";
        ScorerVersion v1 = scorers.register(exp, "relevance", weird, 10);
        ScorerVersion v2 = scorers.register(exp, "relevance", "{\"v\":2}", 20);
        ScorerVersion other = scorers.register(exp, "safety", "{}", 30);
        assertThat(List.of(v1.version(), v2.version(), other.version())).containsExactly(1, 2, 1);
        assertThat(scorers.get(exp, "relevance", Optional.of(1)).orElseThrow().serializedScorer()).isEqualTo(weird);
        assertThat(scorers.get(exp, "relevance", Optional.empty()).orElseThrow().version()).isEqualTo(2);
        assertThat(scorers.get(exp, "relevance", Optional.of(9))).isEmpty();
        assertThat(scorers.versions(exp, "relevance")).extracting(ScorerVersion::version).containsExactly(1, 2);
        assertThat(scorers.latest(List.of(exp))).extracting(ScorerVersion::name, ScorerVersion::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("relevance", 2),
                        org.assertj.core.groups.Tuple.tuple("safety", 1));
        assertThat(v1.experimentId()).isEqualTo(exp);
    }

    @Test
    void aVersion_isFoundByTheScorersId() {
        String exp = experiment();
        ScorerStore.ScorerVersion first = scorers.register(exp, "by-id", "{\"v\": 1}", 1);
        ScorerStore.ScorerVersion second = scorers.register(exp, "by-id", "{\"v\": 2}", 2);
        assertThat(second.scorerId()).isEqualTo(first.scorerId());
        assertThat(scorers.byId(first.scorerId(), 2)).contains(second);
        assertThat(scorers.byId(first.scorerId(), 1)).contains(first);
        assertThat(scorers.byId(first.scorerId(), 3)).isEmpty();
        assertThat(scorers.byId("no-such-scorer", 1)).isEmpty();
    }

    @Test
    void delete_oneVersionOrAll() {
        String exp = experiment();
        scorers.register(exp, "s", "{}", 1);
        scorers.register(exp, "s", "{}", 2);
        scorers.register(exp, "s", "{}", 3);
        assertThat(scorers.delete(exp, "s", Optional.of(3))).isEqualTo(1);
        assertThat(scorers.get(exp, "s", Optional.empty()).orElseThrow().version()).isEqualTo(2);
        assertThat(scorers.delete(exp, "s", Optional.empty())).isEqualTo(2);
        assertThat(scorers.versions(exp, "s")).isEmpty();
        assertThat(scorers.delete(exp, "s", Optional.empty())).isZero();
    }

    @Test
    void concurrentRegistrations_getDistinctVersions() throws Exception {
        String exp = experiment();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ScorerVersion>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(pool.submit(() -> scorers.register(exp, "raced", "{}", 1)));
            }
            List<Integer> versions = new ArrayList<>();
            for (Future<ScorerVersion> f : futures) {
                versions.add(f.get().version());
            }
            Collections.sort(versions);
            assertThat(versions).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 16).boxed()
                    .toList());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void scorerId_isStableAcrossVersionsOfAName() {
        String exp = experiment();
        ScorerVersion v1 = scorers.register(exp, "judge", "{}", 1);
        ScorerVersion v2 = scorers.register(exp, "judge", "{}", 2);
        ScorerVersion other = scorers.register(exp, "other", "{}", 3);
        assertThat(v2.scorerId()).isEqualTo(v1.scorerId());
        assertThat(other.scorerId()).isNotEqualTo(v1.scorerId());
    }

    @Test
    void onlineConfig_putReplaceListAndDropWithTheScorer() {
        String exp = experiment();
        ScorerVersion v = scorers.register(exp, "online", "{}", 1);
        assertThatThrownBy(() -> scorers.putOnlineConfig(exp, "missing", 0.5, Optional.empty(), 2))
                .isInstanceOf(dev.osprey.core.OspreyException.class).hasMessageContaining("missing");
        ScorerStore.OnlineConfig first = scorers.putOnlineConfig(exp, "online", 0.5, Optional.of("status = 'OK'"), 2);
        assertThat(first.scorerId()).isEqualTo(v.scorerId());
        ScorerStore.OnlineConfig second = scorers.putOnlineConfig(exp, "online", 1.0, Optional.empty(), 3);
        assertThat(second.configId()).isEqualTo(first.configId());
        assertThat(scorers.onlineConfigs(List.of(v.scorerId(), "unknown"))).singleElement()
                .satisfies(c -> {
                    assertThat(c.sampleRate()).isEqualTo(1.0);
                    assertThat(c.filter()).isEmpty();
                    assertThat(c.experimentId()).isEqualTo(exp);
                    assertThat(c.updateTime()).isEqualTo(3);
                });
        assertThat(scorers.activeOnlineConfigs()).extracting(ScorerStore.OnlineConfig::configId)
                .contains(first.configId());
        scorers.putOnlineConfig(exp, "online", 0, Optional.empty(), 4);
        assertThat(scorers.activeOnlineConfigs()).extracting(ScorerStore.OnlineConfig::configId)
                .doesNotContain(first.configId());
        scorers.delete(exp, "online", Optional.empty());
        assertThat(scorers.onlineConfigs(List.of(v.scorerId()))).isEmpty();
    }
}
