package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.store.ModelGrantId;
import dev.osprey.store.AuthStore;
import dev.osprey.store.AuthStore.Grant;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link AuthStore} passes, per backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AuthStoreTck {
    private TrackingStore store;
    private StorageComponent storage;
    private AuthStore auth;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        auth = storage.auth();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private static String name() {
        return "u-" + UUID.randomUUID();
    }

    private static ErrorCode code(Throwable t) {
        return ((OspreyException) t).errorCode();
    }

    @Test
    void users_createReadUpdateDelete() {
        String name = name();
        User u = auth.createUser(name, "$argon2id$hash-1", false);
        assertThat(u.id()).isPositive();
        assertThat(auth.user(name)).contains(u);
        assertThatThrownBy(() -> auth.createUser(name, "x", true)).satisfies(e ->
                assertThat(code(e)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        auth.updatePassword(name, "$argon2id$hash-2");
        auth.updateAdmin(name, true);
        assertThat(auth.user(name)).hasValueSatisfying(v -> {
            assertThat(v.passwordHash()).isEqualTo("$argon2id$hash-2");
            assertThat(v.admin()).isTrue();
        });
        assertThat(auth.users()).extracting(User::username).contains(name);
        assertThat(u.toString()).doesNotContain("hash");
        auth.deleteUser(name);
        assertThat(auth.user(name)).isEmpty();
        for (Runnable missing : List.<Runnable>of(() -> auth.updatePassword(name, "x"),
                () -> auth.updateAdmin(name, false), () -> auth.deleteUser(name))) {
            assertThatThrownBy(missing::run).satisfies(e ->
                    assertThat(code(e)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        }
    }

    @Test
    void grants_perResource_andDeletedWithTheirUser() {
        User u = auth.createUser(name(), "h", false);
        Grant g = new Grant(ResourceType.EXPERIMENT, "42", u.id(), "READ");
        auth.createGrant(g);
        assertThatThrownBy(() -> auth.createGrant(g)).satisfies(e ->
                assertThat(code(e)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        auth.createGrant(new Grant(ResourceType.REGISTERED_MODEL, "42", u.id(), "MANAGE"));
        auth.createGrant(new Grant(ResourceType.EXPERIMENT, "43", u.id(), "EDIT"));
        assertThat(auth.grant(ResourceType.EXPERIMENT, "42", u.id())).contains(g);
        auth.updateGrant(new Grant(ResourceType.EXPERIMENT, "42", u.id(), "EDIT"));
        assertThat(auth.grant(ResourceType.EXPERIMENT, "42", u.id()).orElseThrow().permission()).isEqualTo("EDIT");
        assertThat(auth.grants(ResourceType.EXPERIMENT, u.id(), List.of("42", "43", "44")))
                .isEqualTo(Map.of("42", "EDIT", "43", "EDIT"));
        assertThat(auth.grants(u.id())).hasSize(3);
        auth.deleteGrant(ResourceType.EXPERIMENT, "43", u.id());
        assertThatThrownBy(() -> auth.deleteGrant(ResourceType.EXPERIMENT, "43", u.id())).satisfies(e ->
                assertThat(code(e)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThatThrownBy(() -> auth.updateGrant(new Grant(ResourceType.SCORER, "1/x", u.id(), "READ")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        auth.deleteUser(u.username());
        assertThat(auth.grants(u.id())).isEmpty();
    }

    @Test
    void bulkGrantLookup_spansManyIds() {
        User u = auth.createUser(name(), "h", false);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            ids.add("m-" + i);
        }
        auth.createGrant(new Grant(ResourceType.REGISTERED_MODEL, "m-1100", u.id(), "READ"));
        assertThat(auth.grants(ResourceType.REGISTERED_MODEL, u.id(), ids)).isEqualTo(Map.of("m-1100", "READ"));
    }

    @Test
    void tokens_areFoundByHash_revokedOnce_andGoWithTheirUser() {
        String name = name();
        User u = auth.createUser(name, "$argon2id$h", false);
        String hash = UUID.randomUUID().toString().replace("-", "") + "0123456789abcdef0123456789abcdef";
        AuthStore.Token t = auth.createToken(u.id(), "ci", hash.substring(0, 64), 1_000, 2_000);
        assertThat(t.id()).isPositive();
        assertThat(auth.tokenBySecretHash(hash.substring(0, 64))).contains(t);
        assertThat(t.validAt(1_500)).isTrue();
        assertThat(t.validAt(2_000)).as("expired at expires_at").isFalse();
        assertThat(auth.tokens(u.id())).containsExactly(t);
        auth.revokeToken(u.id(), t.id(), 1_200);
        auth.revokeToken(u.id(), t.id(), 1_300); // idempotent: the first revocation time stays
        AuthStore.Token revoked = auth.tokenBySecretHash(hash.substring(0, 64)).orElseThrow();
        assertThat(revoked.revokedAt()).contains(1_200L);
        assertThat(revoked.validAt(1_500)).isFalse();
        User other = auth.createUser(name(), "$argon2id$h", false);
        assertThatThrownBy(() -> auth.revokeToken(other.id(), t.id(), 1_400)).satisfies(e ->
                assertThat(code(e)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        auth.deleteUser(name);
        assertThat(auth.tokenBySecretHash(hash.substring(0, 64))).isEmpty();
    }

    @Test
    void audit_pagesNewestFirst_andFilters() {
        String actor = name();
        for (int i = 0; i < 5; i++) {
            auth.audit(10_000 + i, actor, i % 2 == 0 ? "user.create" : "permission.grant", "target-" + i,
                    "detail " + "x".repeat(i == 4 ? 5_000 : 1));
        }
        AuthStore.AuditPage first = auth.auditEvents(java.util.Optional.empty(), 2, java.util.Optional.of(actor),
                java.util.Optional.empty());
        assertThat(first.events()).extracting(AuthStore.AuditEvent::target).containsExactly("target-4", "target-3");
        assertThat(first.events().get(0).detail()).hasSize(1024);
        AuthStore.AuditPage rest = auth.auditEvents(first.nextBefore(), 10, java.util.Optional.of(actor),
                java.util.Optional.empty());
        assertThat(rest.events()).extracting(AuthStore.AuditEvent::target)
                .containsExactly("target-2", "target-1", "target-0");
        assertThat(rest.nextBefore()).isEmpty();
        assertThat(auth.auditEvents(java.util.Optional.empty(), 10, java.util.Optional.of(actor),
                java.util.Optional.of("permission.grant")).events()).hasSize(2);
    }

    /**
     * Issue 19, finding 1: a grant dies with its resource, in the transaction that deletes it, and moves with a
     * renamed model — grants are keyed by ids that names can take again.
     */
    @Test
    void grantsOnModels_nameTheirWorkspace_andFollowRenamesDeletesAndMoves() {
        User alice = auth.createUser(name(), "$argon2id$h", false);
        String ws = "g" + UUID.randomUUID().toString().substring(0, 8);
        storage.workspaces().create(new dev.osprey.store.WorkspaceStore.Workspace(ws, "", java.util.Optional.empty(),
                1));
        String model = "m-" + UUID.randomUUID();
        storage.registry().createRegisteredModel(model, java.util.List.of(), java.util.Optional.empty(), 1);
        storage.registry().in(ws).createRegisteredModel(model, java.util.List.of(), java.util.Optional.empty(), 1);
        String inDefault = ModelGrantId.of(dev.osprey.store.WorkspaceStore.DEFAULT, model);
        String inWs = ModelGrantId.of(ws, model);
        assertThat(inDefault).isEqualTo(model);
        assertThat(ModelGrantId.parse(inWs)).isEqualTo(new ModelGrantId(ws, model));
        auth.createGrant(new Grant(ResourceType.REGISTERED_MODEL, inDefault, alice.id(), "READ"));
        auth.createGrant(new Grant(ResourceType.REGISTERED_MODEL, inWs, alice.id(), "MANAGE"));

        String renamed = model + "-r";
        storage.registry().in(ws).renameRegisteredModel(model, renamed, 2);
        assertThat(auth.grant(ResourceType.REGISTERED_MODEL, ModelGrantId.of(ws, renamed), alice.id()))
                .map(Grant::permission).contains("MANAGE");
        assertThat(auth.grant(ResourceType.REGISTERED_MODEL, inDefault, alice.id())).as("the default one's stays")
                .map(Grant::permission).contains("READ");
        storage.workspaces().delete(ws, dev.osprey.store.WorkspaceStore.DeletionMode.SET_DEFAULT);
        assertThat(auth.grant(ResourceType.REGISTERED_MODEL, renamed, alice.id())).as("moved with its model")
                .map(Grant::permission).contains("MANAGE");
        storage.registry().deleteRegisteredModel(renamed);
        storage.registry().deleteRegisteredModel(model);
        assertThat(auth.grants(alice.id())).isEmpty();
    }

    @Test
    void grants_dieWithTheirResource_andMoveWithARenamedModel() {
        User alice = auth.createUser(name(), "$argon2id$h", false);
        java.util.function.BiFunction<ResourceType, String, Boolean> granted = (type, id) ->
                auth.grant(type, id, alice.id()).isPresent();
        java.util.function.BiConsumer<ResourceType, String> grant = (type, id) ->
                auth.createGrant(new Grant(type, id, alice.id(), "MANAGE"));

        String model = "m-" + UUID.randomUUID();
        storage.registry().createRegisteredModel(model, java.util.List.of(), java.util.Optional.empty(), 1);
        grant.accept(ResourceType.REGISTERED_MODEL, model);
        String renamed = model + "-renamed";
        storage.registry().renameRegisteredModel(model, renamed, 2);
        assertThat(granted.apply(ResourceType.REGISTERED_MODEL, model)).as("the old name keeps nothing").isFalse();
        assertThat(granted.apply(ResourceType.REGISTERED_MODEL, renamed)).as("the grant moved").isTrue();
        storage.registry().deleteRegisteredModel(renamed);
        assertThat(granted.apply(ResourceType.REGISTERED_MODEL, renamed)).isFalse();
        storage.registry().createRegisteredModel(renamed, java.util.List.of(), java.util.Optional.empty(), 3);
        assertThat(granted.apply(ResourceType.REGISTERED_MODEL, renamed)).as("a new model of that name starts bare")
                .isFalse();

        String exp = store.createExperiment("e-" + UUID.randomUUID(), java.util.Optional.empty(),
                id -> "mlflow-artifacts:/" + id, java.util.List.of(), 1);
        storage.scorers().register(exp, "judge", "{}", 1);
        storage.scorers().register(exp, "judge", "{}", 2);
        grant.accept(ResourceType.SCORER, exp + "/judge");
        storage.scorers().delete(exp, "judge", java.util.Optional.of(1));
        assertThat(granted.apply(ResourceType.SCORER, exp + "/judge")).as("a version remains").isTrue();
        storage.scorers().delete(exp, "judge", java.util.Optional.empty());
        assertThat(granted.apply(ResourceType.SCORER, exp + "/judge")).isFalse();

        storage.scorers().register(exp, "other", "{}", 3);
        grant.accept(ResourceType.SCORER, exp + "/other");
        grant.accept(ResourceType.EXPERIMENT, exp);
        store.deleteExperiment(exp, 4);
        assertThat(granted.apply(ResourceType.EXPERIMENT, exp)).as("a deleted experiment can be restored")
                .isTrue();
        store.purgeExperiment(exp);
        assertThat(granted.apply(ResourceType.EXPERIMENT, exp)).as("gone with the purge").isFalse();
        assertThat(granted.apply(ResourceType.SCORER, exp + "/other")).isFalse();

        String workspace = "ws-" + UUID.randomUUID().toString().substring(0, 8);
        storage.workspaces().create(new dev.osprey.store.WorkspaceStore.Workspace(workspace, "", java.util.Optional
                .empty(), 1));
        grant.accept(ResourceType.WORKSPACE, workspace);
        storage.workspaces().delete(workspace, dev.osprey.store.WorkspaceStore.DeletionMode.RESTRICT);
        assertThat(granted.apply(ResourceType.WORKSPACE, workspace)).isFalse();

        String secret = "sec-" + UUID.randomUUID();
        storage.gateway().insert(new dev.osprey.store.GatewayStore.GatewayDocument("secret", secret, secret, "{}", 1, 1));
        grant.accept(ResourceType.GATEWAY_SECRET, secret);
        assertThat(storage.gateway().delete("secret", secret)).isTrue();
        assertThat(granted.apply(ResourceType.GATEWAY_SECRET, secret)).isFalse();
    }
}
