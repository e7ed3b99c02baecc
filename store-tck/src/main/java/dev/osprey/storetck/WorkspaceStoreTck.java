package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Tag;
import dev.osprey.core.ViewType;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.DatasetStore;
import dev.osprey.store.ExperimentQuery;
import dev.osprey.store.GatewayStore.GatewayDocument;
import dev.osprey.store.NewModelVersion;
import dev.osprey.store.NewRun;
import dev.osprey.store.RegistryQuery;
import dev.osprey.store.RegistryStore;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WorkspaceStore;
import dev.osprey.store.WorkspaceStore.DeletionMode;
import dev.osprey.store.WorkspaceStore.Kind;
import dev.osprey.store.WorkspaceStore.Workspace;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link WorkspaceStore} passes, per backend (databases may be shared: names are unique). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class WorkspaceStoreTck {
    private TrackingStore store;
    private StorageComponent storage;
    private WorkspaceStore workspaces;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        workspaces = storage.workspaces();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ErrorCode code(Throwable t) {
        return ((OspreyException) t).errorCode();
    }

    private String workspace() {
        String name = unique("ws");
        workspaces.create(new Workspace(name, "for a test", Optional.empty(), 1));
        return name;
    }

    private String experiment(String workspace) {
        return store.createExperiment(unique("exp"), Optional.empty(), id -> "/tmp/" + id, List.of(), 1, workspace);
    }

    private ExperimentQuery experiments(String workspace) {
        return new ExperimentQuery(List.of(), List.of(), ViewType.ALL, 1000, Optional.empty(),
                Optional.of(workspace));
    }

    @Test
    void workspaces_areCreatedReadUpdatedAndListed() {
        assertThat(workspaces.get(WorkspaceStore.DEFAULT)).isPresent();
        String name = unique("ws");
        workspaces.create(new Workspace(name, "first", Optional.of("s3://bucket/a"), 42));
        assertThat(workspaces.get(name)).contains(new Workspace(name, "first", Optional.of("s3://bucket/a"), 42));
        assertThat(workspaces.list()).extracting(Workspace::name).contains(WorkspaceStore.DEFAULT, name);
        assertThatThrownBy(() -> workspaces.create(new Workspace(name, "", Optional.empty(), 1)))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));

        Workspace changed = workspaces.update(name, Optional.of("second"), Optional.empty());
        assertThat(changed.description()).isEqualTo("second");
        assertThat(changed.defaultArtifactRoot()).contains("s3://bucket/a");
        assertThat(workspaces.update(name, Optional.empty(), Optional.of("")).defaultArtifactRoot()).isEmpty();
        assertThatThrownBy(() -> workspaces.update(unique("none"), Optional.of("x"), Optional.empty()))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void resources_knowTheirWorkspace_andSearchesStayInOne() {
        String ws = workspace();
        String inside = experiment(ws);
        String outside = experiment(WorkspaceStore.DEFAULT);
        assertThat(workspaces.workspacesOf(Kind.EXPERIMENT, List.of(inside, outside, "not-a-number", "999999999")))
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of(inside, ws, outside, WorkspaceStore.DEFAULT));
        assertThat(store.searchExperiments(experiments(ws)).items()).extracting(e -> e.experimentId())
                .containsExactly(inside);
        assertThat(store.searchExperiments(experiments(WorkspaceStore.DEFAULT)).items())
                .extracting(e -> e.experimentId()).contains(outside).doesNotContain(inside);

        String model = unique("model");
        RegistryStore modelsIn = storage.registry().in(ws);
        modelsIn.createRegisteredModel(model, List.of(), Optional.empty(), 1);
        modelsIn.createModelVersion(new NewModelVersion(model, "s3://bucket/m", "", List.of(), "",
                Optional.empty(), Optional.empty(), "s3://bucket/m", 1));
        RegistryQuery models = new RegistryQuery(EntityGrammar.REGISTERED_MODELS.parseFilter("name = '" + model
                + "'"), List.of(), 100, Optional.empty());
        assertThat(modelsIn.searchRegisteredModels(models).items()).hasSize(1);
        assertThat(storage.registry().searchRegisteredModels(models).items()).isEmpty();
        RegistryQuery versions = new RegistryQuery(EntityGrammar.MODEL_VERSIONS.parseFilter("name = '" + model
                + "'"), List.of(), 100, Optional.empty());
        assertThat(modelsIn.searchModelVersions(versions).items()).hasSize(1);
        assertThat(storage.registry().searchModelVersions(versions).items()).isEmpty();
        assertThat(storage.registry().getRegisteredModel(model)).as("not in the default workspace").isEmpty();
        // A rename keeps the model (and its versions) in its workspace.
        String renamed = unique("renamed");
        modelsIn.renameRegisteredModel(model, renamed, 2);
        assertThat(modelsIn.getModelVersion(renamed, "1")).isPresent();
        assertThat(storage.registry().getRegisteredModel(renamed)).isEmpty();

        String doc = UUID.randomUUID().toString();
        storage.gateway().insert(new GatewayDocument("secret", doc, unique("key"), "{}", 1, 1));
        assertThat(workspaces.workspacesOf(Kind.GATEWAY_SECRET, List.of(doc))).containsEntry(doc,
                WorkspaceStore.DEFAULT);
        workspaces.assign(Kind.GATEWAY_SECRET, doc, ws);
        assertThat(workspaces.workspacesOf(Kind.GATEWAY_SECRET, List.of(doc))).containsEntry(doc, ws);
        // The id names a secret, not an endpoint.
        assertThat(workspaces.workspacesOf(Kind.GATEWAY_ENDPOINT, List.of(doc))).isEmpty();
    }

    @Test
    void deletion_restrictsMovesOrCascades() {
        assertThatThrownBy(() -> workspaces.delete(WorkspaceStore.DEFAULT, DeletionMode.CASCADE))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
        assertThatThrownBy(() -> workspaces.delete(unique("none"), DeletionMode.RESTRICT))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        String empty = workspace();
        workspaces.delete(empty, DeletionMode.RESTRICT);
        assertThat(workspaces.get(empty)).isEmpty();

        String moved = workspace();
        String kept = experiment(moved);
        assertThatThrownBy(() -> workspaces.delete(moved, DeletionMode.RESTRICT))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_CONFLICT));
        assertThat(workspaces.get(moved)).isPresent();
        workspaces.delete(moved, DeletionMode.SET_DEFAULT);
        assertThat(workspaces.workspacesOf(Kind.EXPERIMENT, List.of(kept))).containsEntry(kept,
                WorkspaceStore.DEFAULT);

        String wiped = workspace();
        String experiment = experiment(wiped);
        String runId = UUID.randomUUID().toString().replace("-", "");
        store.createRun(new NewRun(runId, experiment, "alice", "r", 1, List.of(new Tag("k", "v"))));
        String model = unique("model");
        storage.registry().in(wiped).createRegisteredModel(model, List.of(), Optional.empty(), 1);
        workspaces.delete(wiped, DeletionMode.CASCADE);
        assertThat(store.getExperiment(experiment)).isEmpty();
        assertThat(store.getRun(runId)).isEmpty();
        assertThat(storage.registry().in(wiped).getRegisteredModel(model)).isEmpty();
        assertThat(workspaces.get(wiped)).isEmpty();
    }

    @Test
    void names_areUniquePerWorkspace_andTwoWorkspacesKeepTheirOwn() {
        String a = workspace();
        String b = workspace();
        String name = unique("churn");
        String inA = store.createExperiment(name, Optional.empty(), id -> "/tmp/" + id, List.of(), 1, a);
        String inB = store.createExperiment(name, Optional.empty(), id -> "/tmp/" + id, List.of(), 1, b);
        assertThat(inA).isNotEqualTo(inB);
        assertThat(store.getExperimentByName(name, a).orElseThrow().experimentId()).isEqualTo(inA);
        assertThat(store.getExperimentByName(name, b).orElseThrow().experimentId()).isEqualTo(inB);
        assertThat(store.getExperimentByName(name, WorkspaceStore.DEFAULT)).isEmpty();
        assertThatThrownBy(() -> store.createExperiment(name, Optional.empty(), id -> "/tmp/" + id, List.of(), 1, a))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        String other = store.createExperiment(unique("other"), Optional.empty(), id -> "/tmp/" + id, List.of(), 1, b);
        assertThatThrownBy(() -> store.renameExperiment(other, name, 2)).as("taken in its own workspace")
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        String third = store.createExperiment(unique("third"), Optional.empty(), id -> "/tmp/" + id, List.of(), 1,
                WorkspaceStore.DEFAULT);
        store.renameExperiment(third, name, 2);
        assertThat(store.getExperimentByName(name, WorkspaceStore.DEFAULT).orElseThrow().experimentId())
                .isEqualTo(third);

        RegistryStore modelsA = storage.registry().in(a);
        RegistryStore modelsB = storage.registry().in(b);
        modelsA.createRegisteredModel(name, List.of(new Tag("team", "a")), Optional.of("A's"), 1);
        modelsB.createRegisteredModel(name, List.of(new Tag("team", "b")), Optional.of("B's"), 1);
        assertThatThrownBy(() -> modelsA.createRegisteredModel(name, List.of(), Optional.empty(), 1))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        modelsA.createModelVersion(new NewModelVersion(name, "s3://a/1", "", List.of(new Tag("v", "a1")), "",
                Optional.empty(), Optional.empty(), "s3://a/1", 2));
        modelsA.createModelVersion(new NewModelVersion(name, "s3://a/2", "", List.of(), "", Optional.empty(),
                Optional.empty(), "s3://a/2", 3));
        modelsB.createModelVersion(new NewModelVersion(name, "s3://b/1", "", List.of(new Tag("v", "b1")), "",
                Optional.empty(), Optional.empty(), "s3://b/1", 4));
        modelsA.setAlias(name, "champion", "2", 5);
        modelsB.setAlias(name, "champion", "1", 5);
        modelsB.setModelVersionTag(name, "1", new Tag("stage", "b"), 6);

        assertThat(modelsA.getRegisteredModel(name).orElseThrow().description()).contains("A's");
        assertThat(modelsB.getRegisteredModel(name).orElseThrow().description()).contains("B's");
        assertThat(modelsA.getModelVersionByAlias(name, "champion").source()).isEqualTo("s3://a/2");
        assertThat(modelsB.getModelVersionByAlias(name, "champion").source()).isEqualTo("s3://b/1");
        assertThat(modelsA.getModelVersion(name, "1").orElseThrow().tags()).containsExactly(new Tag("v", "a1"));
        assertThat(modelsB.getModelVersion(name, "1").orElseThrow().tags())
                .containsExactlyInAnyOrder(new Tag("v", "b1"), new Tag("stage", "b"));
        assertThat(modelsB.getModelVersion(name, "2")).as("B's numbering is its own").isEmpty();
        assertThat(modelsA.getRegisteredModel(name).orElseThrow().latestVersions()).extracting(v -> v.source())
                .containsExactly("s3://a/2");
        RegistryQuery byName = new RegistryQuery(EntityGrammar.MODEL_VERSIONS.parseFilter("name = '" + name + "'"),
                List.of(), 100, Optional.empty());
        assertThat(modelsA.searchModelVersions(byName).items()).extracting(v -> v.source())
                .containsExactlyInAnyOrder("s3://a/1", "s3://a/2");
        assertThat(modelsB.searchModelVersions(byName).items()).extracting(v -> v.source())
                .containsExactly("s3://b/1");

        // Deleting one leaves the other whole.
        modelsA.deleteRegisteredModel(name);
        assertThat(modelsA.getRegisteredModel(name)).isEmpty();
        assertThat(modelsB.getModelVersionByAlias(name, "champion").tags()).contains(new Tag("stage", "b"));

        // Moving b's resources to the default workspace would clash on both names: refused, naming them.
        storage.registry().createRegisteredModel(name, List.of(), Optional.empty(), 7);
        assertThatThrownBy(() -> workspaces.delete(b, DeletionMode.SET_DEFAULT))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_CONFLICT))
                .hasMessageContaining("experiments: '" + name + "'")
                .hasMessageContaining("registered_models: '" + name + "'");
        assertThat(workspaces.get(b)).as("nothing changed").isPresent();
        assertThat(modelsB.getRegisteredModel(name)).isPresent();
        storage.registry().deleteRegisteredModel(name);
        store.renameExperiment(third, unique("freed"), 8);
        workspaces.delete(b, DeletionMode.SET_DEFAULT);
        assertThat(storage.registry().getModelVersionByAlias(name, "champion").source()).isEqualTo("s3://b/1");
        assertThat(store.getExperimentByName(name, WorkspaceStore.DEFAULT).orElseThrow().experimentId())
                .isEqualTo(inB);
        storage.registry().deleteRegisteredModel(name);
    }

    private dev.osprey.core.Webhook webhook(String workspace) {
        dev.osprey.core.Webhook w = new dev.osprey.core.Webhook(UUID.randomUUID().toString().replace("-", ""),
                unique("hook"), Optional.empty(), "https://example.com/h", List.of(new dev.osprey.core.Webhook.Event(
                "MODEL_VERSION", "CREATED")), dev.osprey.core.Webhook.Status.ACTIVE, 1, 1, Optional.empty(),
                workspace);
        storage.webhooks().create(w);
        return w;
    }

    @Test
    void webhooks_belongToAWorkspace_moveWithIt_andGoWithACascade() {
        String ws = workspace();
        dev.osprey.core.Webhook inside = webhook(ws);
        dev.osprey.core.Webhook outside = webhook(WorkspaceStore.DEFAULT);
        assertThat(storage.webhooks().list(ws, 100, Optional.empty()).items()).containsExactly(inside);
        assertThat(storage.webhooks().list(WorkspaceStore.DEFAULT, 1000, Optional.empty()).items())
                .contains(outside).doesNotContain(inside);
        assertThat(storage.webhooks().active()).contains(inside, outside);
        assertThat(workspaces.workspacesOf(Kind.WEBHOOK, List.of(inside.webhookId(), outside.webhookId())))
                .containsEntry(inside.webhookId(), ws).containsEntry(outside.webhookId(), WorkspaceStore.DEFAULT);
        assertThatThrownBy(() -> workspaces.delete(ws, DeletionMode.RESTRICT))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_CONFLICT));
        workspaces.delete(ws, DeletionMode.SET_DEFAULT);
        assertThat(storage.webhooks().get(inside.webhookId()).orElseThrow().workspace())
                .isEqualTo(WorkspaceStore.DEFAULT);

        String wiped = workspace();
        dev.osprey.core.Webhook gone = webhook(wiped);
        workspaces.delete(wiped, DeletionMode.CASCADE);
        assertThat(storage.webhooks().get(gone.webhookId())).isEmpty();
        storage.webhooks().delete(inside.webhookId());
        storage.webhooks().delete(outside.webhookId());
    }

    private String dataset() {
        String id = "d-" + UUID.randomUUID().toString().replace("-", "");
        storage.datasets().create(new DatasetStore.NewDataset(id, unique("ds"), List.of(), Map.of(), Optional.empty(),
                Optional.empty(), Optional.empty(), 1));
        return id;
    }

    @Test
    void datasets_joinAWorkspace_moveWithIt_andGoWithACascade() {
        String ws = workspace();
        String id = dataset();
        assertThat(workspaces.workspacesOf(Kind.DATASET, List.of(id, "d-unknown")))
                .as("created without a workspace: the default one; unknown ids left out")
                .containsExactly(Map.entry(id, WorkspaceStore.DEFAULT));
        workspaces.assign(Kind.DATASET, id, ws);
        assertThat(workspaces.workspacesOf(Kind.DATASET, List.of(id))).containsEntry(id, ws);
        assertThatThrownBy(() -> workspaces.delete(ws, DeletionMode.RESTRICT))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.RESOURCE_CONFLICT));
        workspaces.delete(ws, DeletionMode.SET_DEFAULT);
        assertThat(workspaces.workspacesOf(Kind.DATASET, List.of(id))).containsEntry(id, WorkspaceStore.DEFAULT);

        String wiped = workspace();
        String gone = dataset();
        workspaces.assign(Kind.DATASET, gone, wiped);
        workspaces.delete(wiped, DeletionMode.CASCADE);
        assertThat(storage.datasets().get(gone)).isEmpty();
        assertThat(storage.datasets().get(id)).as("another workspace's dataset stays").isPresent();
    }
}
