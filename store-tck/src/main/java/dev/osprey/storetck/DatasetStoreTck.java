package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.DatasetStore;
import dev.osprey.store.DatasetStore.DatasetQuery;
import dev.osprey.store.DatasetStore.DatasetRecord;
import dev.osprey.store.DatasetStore.EvalDataset;
import dev.osprey.store.DatasetStore.NewDataset;
import dev.osprey.store.DatasetStore.RecordMerge;
import dev.osprey.store.DatasetStore.UpsertCounts;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link DatasetStore} passes, per backend. Each test uses its own datasets and experiments. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DatasetStoreTck {
    /** Keeps the stored expectations and takes the incoming ones' text when they differ: visible in assertions. */
    private static final RecordMerge TAKE_INCOMING = (existing, incoming) -> new DatasetRecord(existing.recordId(),
            existing.datasetId(), existing.inputsKey(), existing.inputsJson(), incoming.expectationsJson(),
            incoming.outputsJson(), incoming.tagsJson(), incoming.sourceJson(), incoming.sourceId(),
            incoming.sourceType(), existing.createdTime(), existing.lastUpdateTime(), existing.createdBy(),
            incoming.lastUpdatedBy());
    private TrackingStore store;
    private StorageComponent storage;
    private DatasetStore datasets;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        datasets = storage.datasets();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private String experiment() {
        return store.createExperiment("datasets-" + UUID.randomUUID(), Optional.empty(), id -> "file:///tmp/d/" + id,
                List.of(), 1);
    }

    private static String id() {
        return "d-" + UUID.randomUUID().toString().replace("-", "");
    }

    private EvalDataset create(String name, List<String> experiments, Map<String, String> tags, long time) {
        return datasets.create(new NewDataset(id(), name, experiments, tags, Optional.of("{\"s\":1}"),
                Optional.empty(), Optional.of("alice"), time));
    }

    private static DatasetRecord record(String datasetId, String inputs, String expectations) {
        return new DatasetRecord("dr-" + UUID.randomUUID().toString().replace("-", ""), datasetId,
                Integer.toHexString(inputs.hashCode()), inputs, expectations, Optional.empty(), "{}",
                Optional.of("{\"source_type\":\"HUMAN\"}"), Optional.empty(), "HUMAN", 0, 0, Optional.of("bob"),
                Optional.of("bob"));
    }

    private DatasetQuery query(List<String> experiments, String filter, List<String> orderBy, int max,
            Optional<String> token) {
        return new DatasetQuery(experiments, EntityGrammar.EVALUATION_DATASETS.parseFilter(filter),
                EntityGrammar.EVALUATION_DATASETS.parseOrderBy(orderBy), max, token);
    }

    @Test
    void create_get_delete_keepTagsExperimentsAndTimes() {
        String e1 = experiment();
        String e2 = experiment();
        EvalDataset d = create("qa", List.of(e2, e1, e1), Map.of("team", "search", "v", "1"), 1_000);
        EvalDataset read = datasets.get(d.datasetId()).orElseThrow();
        assertThat(read.name()).isEqualTo("qa");
        assertThat(read.tags()).containsExactlyInAnyOrderEntriesOf(Map.of("team", "search", "v", "1"));
        assertThat(read.experimentIds()).containsExactlyInAnyOrder(e1, e2);
        assertThat(read.schema()).contains("{\"s\":1}");
        assertThat(read.profile()).isEmpty();
        assertThat(read.createdBy()).contains("alice");
        assertThat(read.createdTime()).isEqualTo(1_000);
        assertThat(read.lastUpdateTime()).isEqualTo(1_000);
        assertThat(read.digest()).isNotEmpty();
        assertThat(datasets.delete(d.datasetId())).isTrue();
        assertThat(datasets.get(d.datasetId())).isEmpty();
        assertThat(datasets.delete(d.datasetId())).isFalse();
    }

    @Test
    void create_withUnknownExperiment_isNotFoundAndStoresNothing() {
        String id = id();
        assertThatThrownBy(() -> datasets.create(new NewDataset(id, "x", List.of("987654321"), Map.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), 1)))
                .isInstanceOf(OspreyException.class).hasMessageContaining("987654321");
        assertThat(datasets.get(id)).isEmpty();
    }

    @Test
    void upsert_insertsNewInputsAndMergesKnownOnes_movingTheDigest() {
        EvalDataset d = create("upsert", List.of(), Map.of(), 1);
        UpsertCounts first = datasets.upsertRecords(d.datasetId(), List.of(record(d.datasetId(), "{\"q\":\"a\"}",
                "{\"x\":1}"), record(d.datasetId(), "{\"q\":\"b\"}", "{}")), TAKE_INCOMING, Optional.of("bob"), 10);
        assertThat(first).isEqualTo(new UpsertCounts(2, 0));
        String digest1 = datasets.get(d.datasetId()).orElseThrow().digest();
        assertThat(digest1).isNotEqualTo(d.digest());

        UpsertCounts second = datasets.upsertRecords(d.datasetId(), List.of(record(d.datasetId(), "{\"q\":\"a\"}",
                "{\"x\":2}"), record(d.datasetId(), "{\"q\":\"c\"}", "{}")), TAKE_INCOMING, Optional.of("carol"), 20);
        assertThat(second).isEqualTo(new UpsertCounts(1, 1));
        EvalDataset after = datasets.get(d.datasetId()).orElseThrow();
        assertThat(after.digest()).isNotEqualTo(digest1);
        assertThat(after.lastUpdateTime()).isEqualTo(20);
        assertThat(after.lastUpdatedBy()).contains("carol");

        List<DatasetRecord> records = datasets.records(d.datasetId(), 10, Optional.empty()).items();
        assertThat(records).extracting(DatasetRecord::inputsJson)
                .containsExactly("{\"q\":\"a\"}", "{\"q\":\"b\"}", "{\"q\":\"c\"}");
        DatasetRecord a = records.getFirst();
        assertThat(a.expectationsJson()).isEqualTo("{\"x\":2}");
        assertThat(a.createdTime()).isEqualTo(10);
        assertThat(a.lastUpdateTime()).isEqualTo(20);
    }

    @Test
    void upsert_intoMissingDataset_isNotFound() {
        assertThatThrownBy(() -> datasets.upsertRecords("d-missing", List.of(record("d-missing", "{}", "{}")),
                TAKE_INCOMING, Optional.empty(), 1)).isInstanceOf(OspreyException.class)
                .hasMessageContaining("Could not find evaluation dataset with ID d-missing");
    }

    @Test
    void concurrentUpserts_ofTheSameInputs_leaveOneRecord() throws Exception {
        EvalDataset d = create("race", List.of(), Map.of(), 1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<UpsertCounts>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                futures.add(pool.submit(() -> datasets.upsertRecords(d.datasetId(), List.of(record(d.datasetId(),
                        "{\"q\":\"same\"}", "{\"n\":" + n + "}")), TAKE_INCOMING, Optional.empty(), 5)));
            }
            int inserted = 0;
            int updated = 0;
            for (Future<UpsertCounts> f : futures) {
                inserted += f.get().inserted();
                updated += f.get().updated();
            }
            assertThat(inserted).isEqualTo(1);
            assertThat(updated).isEqualTo(7);
        } finally {
            pool.shutdownNow();
        }
        assertThat(datasets.records(d.datasetId(), 10, Optional.empty()).items()).hasSize(1);
    }

    @Test
    void records_pageInInsertionOrder_andDeleteByIdRefreshesDigest() {
        EvalDataset d = create("paging", List.of(), Map.of(), 1);
        List<DatasetRecord> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(record(d.datasetId(), "{\"i\":" + i + "}", "{}"));
        }
        datasets.upsertRecords(d.datasetId(), batch, TAKE_INCOMING, Optional.empty(), 2);
        List<String> seen = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Page<DatasetRecord> page = datasets.records(d.datasetId(), 2, token);
            page.items().forEach(r -> seen.add(r.inputsJson()));
            token = page.nextPageToken();
        } while (token.isPresent());
        assertThat(seen).containsExactly("{\"i\":0}", "{\"i\":1}", "{\"i\":2}", "{\"i\":3}", "{\"i\":4}");
        String before = datasets.get(d.datasetId()).orElseThrow().digest();
        assertThat(datasets.deleteRecords(d.datasetId(), List.of(batch.get(1).recordId(), "dr-unknown"), 3))
                .isEqualTo(1);
        assertThat(datasets.records(d.datasetId(), 10, Optional.empty()).items()).hasSize(4);
        assertThat(datasets.get(d.datasetId()).orElseThrow().digest()).isNotEqualTo(before);
    }

    @Test
    void tags_mergeAndDeleteIdempotently() {
        EvalDataset d = create("tags", List.of(), Map.of("a", "1"), 1);
        datasets.setTags(d.datasetId(), Map.of("a", "2", "b", "x"), Optional.of("dan"), 7);
        datasets.deleteTag(d.datasetId(), "missing", 8);
        datasets.deleteTag(d.datasetId(), "b", 9);
        EvalDataset read = datasets.get(d.datasetId()).orElseThrow();
        assertThat(read.tags()).containsExactlyEntriesOf(Map.of("a", "2"));
        assertThat(read.lastUpdatedBy()).contains("dan");
        assertThat(read.lastUpdateTime()).isEqualTo(9);
        assertThatThrownBy(() -> datasets.setTags("d-nope", Map.of("a", "b"), Optional.empty(), 1))
                .isInstanceOf(OspreyException.class);
    }

    @Test
    void experiments_addAndRemove() {
        String e1 = experiment();
        String e2 = experiment();
        EvalDataset d = create("links", List.of(e1), Map.of(), 1);
        datasets.addExperiments(d.datasetId(), List.of(e1, e2), 2);
        assertThat(datasets.get(d.datasetId()).orElseThrow().experimentIds()).containsExactlyInAnyOrder(e1, e2);
        datasets.removeExperiments(d.datasetId(), List.of(e1), 3);
        assertThat(datasets.get(d.datasetId()).orElseThrow().experimentIds()).containsExactly(e2);
    }

    @Test
    void search_filtersByExperimentNameTimeAndTag_ordersAndPages() {
        String exp = experiment();
        String other = experiment();
        String prefix = "s" + UUID.randomUUID().toString().substring(0, 8);
        EvalDataset a = create(prefix + "-alpha", List.of(exp), Map.of("kind", "gold"), 100);
        EvalDataset b = create(prefix + "-beta", List.of(exp), Map.of("kind", "silver"), 200);
        EvalDataset c = create(prefix + "-gamma", List.of(exp, other), Map.of(), 300);
        create(prefix + "-elsewhere", List.of(other), Map.of(), 400);

        assertThat(datasets.search(query(List.of(exp), "", List.of(), 10, Optional.empty())).items())
                .extracting(EvalDataset::datasetId).containsExactly(c.datasetId(), b.datasetId(), a.datasetId());
        assertThat(datasets.search(query(List.of(exp), "name LIKE '%-b%'", List.of(), 10, Optional.empty()))
                .items()).extracting(EvalDataset::datasetId).containsExactly(b.datasetId());
        assertThat(datasets.search(query(List.of(exp), "created_time >= 200", List.of("name ASC"), 10,
                Optional.empty())).items()).extracting(EvalDataset::datasetId)
                .containsExactly(b.datasetId(), c.datasetId());
        assertThat(datasets.search(query(List.of(), "tags.kind = 'gold' AND name LIKE '" + prefix + "%'",
                List.of(), 10, Optional.empty())).items()).extracting(EvalDataset::datasetId)
                .containsExactly(a.datasetId());

        Page<EvalDataset> first = datasets.search(query(List.of(exp), "", List.of("name DESC"), 2, Optional.empty()));
        assertThat(first.items()).extracting(EvalDataset::datasetId).containsExactly(c.datasetId(), b.datasetId());
        Page<EvalDataset> second = datasets.search(query(List.of(exp), "", List.of("name DESC"), 2,
                first.nextPageToken()));
        assertThat(second.items()).extracting(EvalDataset::datasetId).containsExactly(a.datasetId());
        assertThat(second.nextPageToken()).isEmpty();
    }

    @Test
    void purgingAnExperiment_dropsItsLinksButKeepsTheDataset() {
        String exp = experiment();
        EvalDataset d = create("purge", List.of(exp), Map.of(), 1);
        store.deleteExperiment(exp, 2);
        store.purgeExperiment(exp);
        assertThat(datasets.get(d.datasetId()).orElseThrow().experimentIds()).isEmpty();
    }
}
