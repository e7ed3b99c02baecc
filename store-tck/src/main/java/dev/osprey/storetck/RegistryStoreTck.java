package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.ModelAlias;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.NewModelVersion;
import dev.osprey.store.RegistryQuery;
import dev.osprey.store.RegistryStore;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract every {@link RegistryStore} passes, per backend. Tests use unique name prefixes so they share a
 * database without clearing it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RegistryStoreTck {
    private TrackingStore store;
    private StorageComponent storage;
    protected RegistryStore registry;
    private dev.osprey.store.WebhookStore webhooks;

    /** Opens the backend under test; its registry is what is tested. */
    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        registry = storage.registry();
        webhooks = storage.webhooks();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    private static ErrorCode codeOf(Throwable t) {
        return ((OspreyException) t).errorCode();
    }

    private ModelVersion version(String name, long now, Tag... tags) {
        return registry.createModelVersion(new NewModelVersion(name, "s3://bucket/" + name, "run" + now,
                List.of(tags), "", Optional.empty(), Optional.empty(), "s3://bucket/" + name, now));
    }

    private static RegistryQuery query(EntityGrammar grammar, String filter, List<String> orderBy, int max,
            Optional<String> token) {
        return new RegistryQuery(grammar.parseFilter(filter), grammar.parseOrderBy(orderBy), max, token);
    }

    @Test
    void registeredModel_lifecycle() {
        String name = unique("rm");
        RegisteredModel created = registry.createRegisteredModel(name, List.of(new Tag("team", "a"),
                new Tag("team", "b")), Optional.of("first"), 1000);
        assertThat(created.creationTimestamp()).isEqualTo(1000);
        assertThat(created.lastUpdatedTimestamp()).isEqualTo(1000);
        assertThat(created.tags()).containsExactly(new Tag("team", "b"));
        assertThat(created.description()).contains("first");
        assertThatThrownBy(() -> registry.createRegisteredModel(name, List.of(), Optional.empty(), 1001))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS))
                .hasMessageContaining("Registered Model (name=" + name + ") already exists.");

        assertThat(registry.updateRegisteredModel(name, "second", 2000).description()).contains("second");
        assertThat(registry.updateRegisteredModel(name, "", 2001).description()).isEmpty();
        registry.setRegisteredModelTag(name, new Tag("stage", "x"), 2002);
        registry.deleteRegisteredModelTag(name, "team");
        registry.deleteRegisteredModelTag(name, "never-set");
        RegisteredModel got = registry.getRegisteredModel(name).orElseThrow();
        assertThat(got.tags()).containsExactly(new Tag("stage", "x"));
        assertThat(got.lastUpdatedTimestamp()).isEqualTo(2002);

        registry.deleteRegisteredModel(name);
        assertThat(registry.getRegisteredModel(name)).isEmpty();
        assertThatThrownBy(() -> registry.deleteRegisteredModel(name))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST))
                .hasMessage("Registered Model with name=" + name + " not found");
        assertThat(registry.createRegisteredModel(name, List.of(), Optional.empty(), 3000).tags()).isEmpty();
    }

    @Test
    void versions_numberingAliasesAndSoftDelete() {
        String name = unique("mv");
        registry.createRegisteredModel(name, List.of(), Optional.empty(), 1000);
        assertThat(version(name, 1100, new Tag("k", "v")).version()).isEqualTo("1");
        assertThat(version(name, 1200).version()).isEqualTo("2");
        assertThat(registry.getRegisteredModel(name).orElseThrow().lastUpdatedTimestamp()).isEqualTo(1200);
        ModelVersion v1 = registry.getModelVersion(name, "1").orElseThrow();
        assertThat(v1.tags()).containsExactly(new Tag("k", "v"));
        assertThat(v1.currentStage()).isEqualTo(ModelStage.NONE);
        assertThat(v1.status()).isEqualTo("READY");
        assertThat(v1.source()).isEqualTo("s3://bucket/" + name);

        registry.setAlias(name, "champion", "1", 1300);
        registry.setAlias(name, "champion", "2", 1301);
        registry.setAlias(name, "old", "1", 1302);
        assertThat(registry.getModelVersionByAlias(name, "champion").version()).isEqualTo("2");
        assertThat(registry.getModelVersion(name, "2").orElseThrow().aliases()).containsExactly("champion");
        assertThat(registry.getRegisteredModel(name).orElseThrow().aliases())
                .containsExactly(new ModelAlias("champion", "2"), new ModelAlias("old", "1"));
        assertThatThrownBy(() -> registry.getModelVersionByAlias(name, "nope"))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE))
                .hasMessage("Registered model alias nope not found.");
        assertThatThrownBy(() -> registry.setAlias(name, "x", "9", 1303))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));

        registry.deleteModelVersion(name, "1", 1400);
        assertThat(registry.getModelVersion(name, "1")).isEmpty();
        assertThatThrownBy(() -> registry.updateModelVersion(name, "1", "d", 1401))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST))
                .hasMessage("Model Version (name=" + name + ", version=1) not found");
        assertThat(registry.getRegisteredModel(name).orElseThrow().aliases())
                .containsExactly(new ModelAlias("champion", "2"));
        assertThat(version(name, 1500).version()).as("numbers are never reused").isEqualTo("3");

        registry.setModelVersionTag(name, "3", new Tag("a", "1"), 1600);
        registry.deleteModelVersionTag(name, "3", "a");
        registry.deleteModelVersionTag(name, "3", "never");
        assertThat(registry.updateModelVersion(name, "3", "notes", 1700).description()).contains("notes");
        registry.deleteAlias(name, "champion");
        registry.deleteAlias(name, "champion");
        assertThat(registry.getModelVersion(name, "2").orElseThrow().aliases()).isEmpty();
    }

    @Test
    void stages_transitionArchiveAndLatestVersions() {
        String name = unique("stage");
        registry.createRegisteredModel(name, List.of(), Optional.empty(), 1000);
        for (int i = 1; i <= 4; i++) {
            version(name, 1000 + i);
        }
        registry.transitionStage(name, "1", ModelStage.PRODUCTION, false, 2000);
        registry.transitionStage(name, "2", ModelStage.STAGING, false, 2001);
        ModelVersion v3 = registry.transitionStage(name, "3", ModelStage.PRODUCTION, true, 2002);
        assertThat(v3.currentStage()).isEqualTo(ModelStage.PRODUCTION);
        assertThat(registry.getModelVersion(name, "1").orElseThrow().currentStage()).isEqualTo(ModelStage.ARCHIVED);
        assertThat(registry.getModelVersion(name, "2").orElseThrow().currentStage()).isEqualTo(ModelStage.STAGING);
        assertThatThrownBy(() -> registry.transitionStage(name, "4", ModelStage.ARCHIVED, true, 2003))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));

        assertThat(registry.getLatestVersions(name, List.of())).extracting(ModelVersion::version,
                ModelVersion::currentStage).containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("1", ModelStage.ARCHIVED),
                        org.assertj.core.groups.Tuple.tuple("2", ModelStage.STAGING),
                        org.assertj.core.groups.Tuple.tuple("3", ModelStage.PRODUCTION),
                        org.assertj.core.groups.Tuple.tuple("4", ModelStage.NONE));
        assertThat(registry.getLatestVersions(name, List.of(ModelStage.PRODUCTION))).extracting(ModelVersion::version)
                .containsExactly("3");
        assertThat(registry.getRegisteredModel(name).orElseThrow().latestVersions()).hasSize(4);
        assertThatThrownBy(() -> registry.getLatestVersions(unique("none"), List.of()))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void rename_movesVersionsTagsAndAliases() {
        String name = unique("old");
        String newName = unique("new");
        registry.createRegisteredModel(name, List.of(new Tag("t", "1")), Optional.of("d"), 1000);
        version(name, 1001, new Tag("vt", "x"));
        registry.setAlias(name, "prod", "1", 1002);
        RegisteredModel renamed = registry.renameRegisteredModel(name, newName, 2000);
        assertThat(renamed.name()).isEqualTo(newName);
        assertThat(renamed.tags()).containsExactly(new Tag("t", "1"));
        assertThat(renamed.aliases()).containsExactly(new ModelAlias("prod", "1"));
        assertThat(renamed.creationTimestamp()).isEqualTo(1000);
        ModelVersion moved = registry.getModelVersion(newName, "1").orElseThrow();
        assertThat(moved.tags()).containsExactly(new Tag("vt", "x"));
        assertThat(moved.lastUpdatedTimestamp()).isEqualTo(2000);
        assertThat(registry.getRegisteredModel(name)).isEmpty();
        String taken = unique("taken");
        registry.createRegisteredModel(taken, List.of(), Optional.empty(), 1);
        assertThatThrownBy(() -> registry.renameRegisteredModel(newName, taken, 3000))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
    }

    @Test
    void searchRegisteredModels_filtersOrdersPagesAndHidesPrompts() {
        String prefix = unique("search");
        for (int i = 0; i < 5; i++) {
            registry.createRegisteredModel(prefix + "-m" + i, List.of(new Tag("team", i % 2 == 0 ? "even" : "odd")),
                    Optional.empty(), 1000 + i);
        }
        registry.createRegisteredModel(prefix + "-prompt", List.of(new Tag(RegisteredModel.PROMPT_TAG, "true")),
                Optional.empty(), 2000);
        String like = "name LIKE '" + prefix + "%'";
        assertThat(registry.searchRegisteredModels(query(EntityGrammar.REGISTERED_MODELS, like, List.of(), 100,
                Optional.empty())).items()).extracting(RegisteredModel::name).containsExactly(prefix + "-m0",
                        prefix + "-m1", prefix + "-m2", prefix + "-m3", prefix + "-m4");
        assertThat(registry.searchRegisteredModels(query(EntityGrammar.REGISTERED_MODELS, like
                + " AND tags.team = 'odd'", List.of("timestamp DESC"), 100, Optional.empty())).items())
                .extracting(RegisteredModel::name).containsExactly(prefix + "-m3", prefix + "-m1");
        assertThat(registry.searchRegisteredModels(query(EntityGrammar.REGISTERED_MODELS, like
                + " AND tags.`" + RegisteredModel.PROMPT_TAG + "` = 'true'", List.of(), 100, Optional.empty()))
                .items()).extracting(RegisteredModel::name).containsExactly(prefix + "-prompt");
        assertThat(registry.searchRegisteredModels(query(EntityGrammar.REGISTERED_MODELS, like
                + " AND tag.`" + RegisteredModel.PROMPT_TAG + "` != 'true'", List.of(), 100, Optional.empty()))
                .items()).hasSize(5);
        assertThat(registry.searchRegisteredModels(query(EntityGrammar.REGISTERED_MODELS, "name ILIKE '"
                + prefix.toUpperCase(java.util.Locale.ROOT) + "-M1'", List.of(), 100, Optional.empty())).items())
                .extracting(RegisteredModel::name).containsExactly(prefix + "-m1");

        List<String> paged = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Page<RegisteredModel> page = registry.searchRegisteredModels(query(EntityGrammar.REGISTERED_MODELS, like,
                    List.of("name DESC"), 2, token));
            page.items().forEach(m -> paged.add(m.name()));
            token = page.nextPageToken();
        } while (token.isPresent());
        assertThat(paged).containsExactly(prefix + "-m4", prefix + "-m3", prefix + "-m2", prefix + "-m1",
                prefix + "-m0");
    }

    @Test
    void searchModelVersions_filtersOrdersAndHidesDeletedAndPromptVersions() {
        String name = unique("versions");
        registry.createRegisteredModel(name, List.of(), Optional.empty(), 1000);
        for (int i = 1; i <= 4; i++) {
            version(name, 1000 + i, new Tag("parity", i % 2 == 0 ? "even" : "odd"));
        }
        version(name, 1005, new Tag(RegisteredModel.PROMPT_TAG, "true"));
        registry.deleteModelVersion(name, "4", 1006);
        String byName = "name = '" + name + "'";
        assertThat(registry.searchModelVersions(query(EntityGrammar.MODEL_VERSIONS, byName, List.of(), 1000,
                Optional.empty())).items()).extracting(ModelVersion::version).containsExactly("3", "2", "1");
        assertThat(registry.searchModelVersions(query(EntityGrammar.MODEL_VERSIONS, byName
                + " AND version_number >= 2 AND tags.parity = 'odd'", List.of(), 1000, Optional.empty())).items())
                .extracting(ModelVersion::version).containsExactly("3");
        assertThat(registry.searchModelVersions(query(EntityGrammar.MODEL_VERSIONS, byName
                + " AND run_id IN ('run1001', 'run1003')", List.of("version_number ASC"), 1000, Optional.empty()))
                .items()).extracting(ModelVersion::version).containsExactly("1", "3");
        assertThat(registry.searchModelVersions(query(EntityGrammar.MODEL_VERSIONS, byName
                + " AND tags.`" + RegisteredModel.PROMPT_TAG + "` = 'true'", List.of(), 1000, Optional.empty()))
                .items()).extracting(ModelVersion::version).containsExactly("5");
        assertThat(registry.searchModelVersions(query(EntityGrammar.MODEL_VERSIONS, byName
                + " AND source_path LIKE 's3://bucket/%'", List.of("creation_timestamp ASC"), 2, Optional.empty())))
                .satisfies(p -> {
                    assertThat(p.items()).extracting(ModelVersion::version).containsExactly("1", "2");
                    assertThat(p.nextPageToken()).isPresent();
                });
    }

    @Test
    void webhooks_crudListAndActive() {
        String id = unique("wh");
        dev.osprey.core.Webhook w = new dev.osprey.core.Webhook(id, "hook", Optional.of("d"), "https://example.com/h",
                List.of(new dev.osprey.core.Webhook.Event("MODEL_VERSION", "CREATED"),
                        new dev.osprey.core.Webhook.Event("MODEL_VERSION_ALIAS", "DELETED")),
                dev.osprey.core.Webhook.Status.ACTIVE, 1000, 1000, Optional.of("v1:sealed"),
                dev.osprey.store.WorkspaceStore.DEFAULT);
        webhooks.create(w);
        assertThat(webhooks.get(id)).contains(w);
        assertThat(webhooks.active()).contains(w);
        dev.osprey.core.Webhook disabled = new dev.osprey.core.Webhook(id, "renamed", Optional.empty(), w.url(),
                w.events(), dev.osprey.core.Webhook.Status.DISABLED, 1000, 2000, Optional.empty(),
                dev.osprey.store.WorkspaceStore.DEFAULT);
        webhooks.update(disabled);
        assertThat(webhooks.get(id)).contains(disabled);
        assertThat(webhooks.active()).doesNotContain(disabled);
        webhooks.delete(id);
        assertThat(webhooks.get(id)).isEmpty();
        assertThatThrownBy(() -> webhooks.delete(id))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThatThrownBy(() -> webhooks.update(disabled))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        Page<dev.osprey.core.Webhook> first = webhooks.list(dev.osprey.store.WorkspaceStore.DEFAULT, 1,
                Optional.empty());
        assertThat(first.items().size()).isLessThanOrEqualTo(1);
    }
}
