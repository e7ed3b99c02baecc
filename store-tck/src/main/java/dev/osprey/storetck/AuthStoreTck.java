package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.store.AuthStore;
import dev.osprey.store.AuthStore.Grant;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
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
    private AuthStore auth;

    protected abstract TrackingStore openStore();

    @BeforeAll
    void open() {
        store = openStore();
        auth = store.auth();
    }

    @AfterAll
    void close() {
        if (store != null) {
            store.close();
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
}
