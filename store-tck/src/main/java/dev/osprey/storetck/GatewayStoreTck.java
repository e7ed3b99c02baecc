package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.store.WorkspaceStore;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.GatewayStore.GatewayDocument;
import dev.osprey.store.GatewayStore.GatewayUsage;
import dev.osprey.store.GatewayStore.UsageGroup;
import dev.osprey.store.GatewayStore.UsageQuery;
import dev.osprey.store.GatewayStore.UsageTotals;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link GatewayStore} passes, per backend. Kinds and names are unique per test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GatewayStoreTck {
    private TrackingStore store;
    private StorageComponent storage;
    private GatewayStore gateway;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        gateway = storage.gateway();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void documents_insertGetUpdateListDelete() {
        String kind = unique("k");
        GatewayDocument a = new GatewayDocument(kind, "id-a", "alpha", "{\"x\":1}", 100, 100);
        GatewayDocument b = new GatewayDocument(kind, "id-b", "beta", "{\"x\":2}", 200, 200);
        gateway.insert(a);
        gateway.insert(b);
        assertThat(gateway.get(kind, "id-a")).contains(a);
        assertThat(gateway.byName(kind, WorkspaceStore.DEFAULT, "beta")).contains(b);
        assertThat(gateway.get(kind, "missing")).isEmpty();
        assertThat(gateway.list(kind)).containsExactly(a, b);

        GatewayDocument renamed = new GatewayDocument(kind, "id-a", "alpha2", "{\"x\":3}", 100, 300);
        gateway.update(renamed);
        assertThat(gateway.get(kind, "id-a")).contains(renamed);
        assertThat(gateway.byName(kind, WorkspaceStore.DEFAULT, "alpha")).isEmpty();

        assertThat(gateway.delete(kind, "id-b")).isTrue();
        assertThat(gateway.delete(kind, "id-b")).isFalse();
        assertThat(gateway.list(kind)).containsExactly(renamed);
        assertThat(gateway.list(unique("other"))).isEmpty();
    }

    @Test
    void documents_namesAreUniquePerKind() {
        String kind = unique("k");
        gateway.insert(new GatewayDocument(kind, "1", "same", "{}", 1, 1));
        gateway.insert(new GatewayDocument(kind + "x", "1", "same", "{}", 1, 1));
        assertThatThrownBy(() -> gateway.insert(new GatewayDocument(kind, "2", "same", "{}", 2, 2)))
                .isInstanceOf(OspreyException.class)
                .satisfies(e -> assertThat(((OspreyException) e).errorCode())
                        .isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS))
                .hasMessageContaining("'same'");
        gateway.insert(new GatewayDocument(kind, "2", "other", "{}", 2, 2));
        assertThatThrownBy(() -> gateway.update(new GatewayDocument(kind, "2", "same", "{}", 2, 3)))
                .satisfies(e -> assertThat(((OspreyException) e).errorCode())
                        .isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        assertThat(gateway.get(kind, "2").orElseThrow().name()).isEqualTo("other");
    }

    @Test
    void updateAll_isAllOrNothing() {
        String kind = unique("k");
        gateway.insert(new GatewayDocument(kind, "1", "one", "{\"v\":1}", 1, 1));
        gateway.insert(new GatewayDocument(kind, "2", "two", "{\"v\":1}", 1, 1));
        assertThatThrownBy(() -> gateway.updateAll(List.of(
                new GatewayDocument(kind, "1", "one", "{\"v\":2}", 1, 2),
                new GatewayDocument(kind, "missing", "three", "{\"v\":2}", 1, 2))))
                .satisfies(e -> assertThat(((OspreyException) e).errorCode())
                        .isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThat(gateway.get(kind, "1").orElseThrow().body()).isEqualTo("{\"v\":1}");
        gateway.updateAll(List.of(new GatewayDocument(kind, "1", "one", "{\"v\":2}", 1, 2),
                new GatewayDocument(kind, "2", "two", "{\"v\":2}", 1, 2)));
        assertThat(gateway.list(kind)).extracting(GatewayDocument::body).containsOnly("{\"v\":2}");
    }

    @Test
    void usage_aggregatesByGroupWithinTheWindow() {
        String endpoint = unique("ep");
        String alice = unique("alice");
        String bob = unique("bob");
        long day1 = 20_000L * 86_400_000L;
        long day2 = day1 + 86_400_000L;
        gateway.recordUsage(List.of(
                usage(endpoint, alice, day1 + 5, 10, 20, 0.5, 200),
                usage(endpoint, alice, day1 + 6, 1, 2, 0.25, 200),
                usage(endpoint, bob, day2 + 7, 100, 0, 2.0, 429),
                usage(endpoint, bob, day2 + 86_400_000L * 30, 5, 5, 9.0, 200)));
        UsageQuery byUser = new UsageQuery(UsageGroup.USER, day1, day2 + 86_400_000L, Optional.of(endpoint + "-id"),
                Optional.empty(), Optional.empty());
        assertThat(gateway.usage(byUser)).containsExactly(
                new UsageTotals(bob, 1, 1, 100, 0, 2.0, 10),
                new UsageTotals(alice, 2, 0, 11, 22, 0.75, 20));
        UsageQuery byDay = new UsageQuery(UsageGroup.DAY, day1, day2 + 86_400_000L, Optional.of(endpoint + "-id"),
                Optional.empty(), Optional.empty());
        assertThat(gateway.usage(byDay)).extracting(UsageTotals::key, UsageTotals::requests)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("2024-10-04", 2L),
                        org.assertj.core.groups.Tuple.tuple("2024-10-05", 1L));
        UsageQuery aliceOnly = new UsageQuery(UsageGroup.ENDPOINT, 0, Long.MAX_VALUE, Optional.empty(),
                Optional.of(alice), Optional.empty());
        assertThat(gateway.usage(aliceOnly)).containsExactly(new UsageTotals(endpoint, 2, 0, 11, 22, 0.75, 20));
    }

    @Test
    void usage_andDocuments_keepTheirWorkspace() {
        String endpoint = unique("ep");
        String team = unique("team");
        gateway.recordUsage(List.of(usage(endpoint, "ann", 5, 1, 1, 1.0, 200, team),
                usage(endpoint, "ann", 6, 1, 1, 2.0, 200, WorkspaceStore.DEFAULT)));
        UsageQuery inTeam = new UsageQuery(UsageGroup.ENDPOINT, 0, 100, Optional.of(endpoint + "-id"),
                Optional.empty(), Optional.of(team));
        assertThat(gateway.usage(inTeam)).extracting(UsageTotals::cost).containsExactly(1.0);
        UsageQuery everywhere = new UsageQuery(UsageGroup.ENDPOINT, 0, 100, Optional.of(endpoint + "-id"),
                Optional.empty(), Optional.empty());
        assertThat(gateway.usage(everywhere)).extracting(UsageTotals::cost).containsExactly(3.0);

        String kind = unique("kind");
        gateway.insert(new GatewayDocument(kind, "1", "one", "{}", 1, 1, team));
        assertThat(gateway.get(kind, "1").orElseThrow().workspace()).isEqualTo(team);
        gateway.update(new GatewayDocument(kind, "1", "one", "{\"v\":2}", 1, 2));
        assertThat(gateway.list(kind)).extracting(GatewayDocument::workspace).as("an update keeps the workspace")
                .containsExactly(team);
        // Names are unique per workspace: the default workspace may take the same one, and finds its own.
        gateway.insert(new GatewayDocument(kind, "2", "one", "{}", 1, 1));
        assertThat(gateway.byName(kind, team, "one").orElseThrow().id()).isEqualTo("1");
        assertThat(gateway.byName(kind, WorkspaceStore.DEFAULT, "one").orElseThrow().id()).isEqualTo("2");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gateway.insert(new GatewayDocument(kind, "3", "one",
                "{}", 1, 1, team))).satisfies(t -> assertThat(((dev.osprey.core.OspreyException) t).errorCode())
                .isEqualTo(dev.osprey.core.ErrorCode.RESOURCE_ALREADY_EXISTS));
    }

    private static GatewayUsage usage(String endpoint, String user, long at, long in, long out, double cost,
            int status) {
        return usage(endpoint, user, at, in, out, cost, status, WorkspaceStore.DEFAULT);
    }

    private static GatewayUsage usage(String endpoint, String user, long at, long in, long out, double cost,
            int status, String workspace) {
        return new GatewayUsage(UUID.randomUUID().toString(), at, endpoint + "-id", endpoint, "openai", "gpt-4o",
                user, in, out, cost, 10, status, workspace);
    }
}
