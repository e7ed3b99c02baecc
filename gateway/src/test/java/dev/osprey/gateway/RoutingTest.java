package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.protocol.Json;
import dev.osprey.store.GatewayStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Routing through real HTTP to mock providers: weights, fallbacks, retries, timeouts, circuits, limits, budgets. */
class RoutingTest {
    private MockProvider healthy;
    private MockProvider failing;
    private GatewayFixture fx;

    @BeforeEach
    void start() throws IOException {
        healthy = new MockProvider();
        failing = new MockProvider();
        fx = new GatewayFixture();
    }

    @AfterEach
    void stop() {
        fx.close();
        healthy.close();
        failing.close();
    }

    private String model(MockProvider mock, String name) {
        return fx.model("openai", name, "sk-routing-0123456789", mock.baseUrl() + "/v1");
    }

    private Gateway.Reply call(String endpoint, String user) {
        return fx.gateway.invoke(new Invocation(endpoint, Operation.CHAT, GatewayFixture.chat("hi"), user, false,
                Optional.empty()));
    }

    private static JsonNode json(Gateway.Reply reply) throws IOException {
        return Json.read(reply.body());
    }

    @Test
    void failingPrimary_fallsBackInOrder() throws IOException {
        failing.failNext(100, 503);
        String endpoint = "fb";
        fx.endpoint(endpoint, List.of(model(failing, "primary")), List.of(model(healthy, "backup")), Json.object());
        JsonNode answer = json(call(endpoint, "u"));
        assertThat(answer.path("model").asText()).isEqualTo("backup");
        assertThat(failing.calls()).isEqualTo(1);
        assertThat(healthy.calls()).isEqualTo(1);
        assertThat(fx.gateway.metrics().prometheus(0)).contains("osprey_gateway_fallbacks_total 1");
    }

    @Test
    void withoutFallbackConfig_theProviderErrorIsTheAnswer() {
        failing.failNext(100, 502);
        fx.endpoint("nofb", List.of(model(failing, "primary")), List.of(), Json.object());
        assertThatThrownBy(() -> call("nofb", "u")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.getMessage()).contains("Mock failure 502");
        });
    }

    @Test
    void unresolvableProvider_fallsBack() throws IOException {
        String nowhere = fx.model("openai", "nowhere", "sk-routing-0123456789", "http://no-such-host.invalid/v1");
        fx.endpoint("dns", List.of(nowhere), List.of(model(healthy, "backup")), Json.object());
        assertThat(json(call("dns", "u")).path("model").asText()).isEqualTo("backup");
    }

    @Test
    void clientErrors_doNotFallBack() {
        failing.failNext(1, 400);
        fx.endpoint("bad", List.of(model(failing, "primary")), List.of(model(healthy, "backup")), Json.object());
        assertThatThrownBy(() -> call("bad", "u")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(400));
        assertThat(healthy.calls()).isZero();
    }

    @Test
    void slowPrimary_timesOutPerAttemptAndFallsBack() throws IOException {
        failing.delay(2_000);
        ObjectNode extra = Json.object();
        extra.putObject("limits").put("timeout_ms", 200);
        fx.endpoint("slow", List.of(model(failing, "primary")), List.of(model(healthy, "backup")), extra);
        long started = System.nanoTime();
        JsonNode answer = json(call("slow", "u"));
        assertThat(answer.path("model").asText()).isEqualTo("backup");
        assertThat((System.nanoTime() - started) / 1_000_000).as("did not wait for the slow provider")
                .isLessThan(1_900);
    }

    @Test
    void retries_tryTheSameModelAgainWithBackoff() throws IOException {
        failing.failNext(2, 503);
        ObjectNode extra = Json.object();
        extra.putObject("limits").put("retries", 2);
        fx.endpoint("retry", List.of(model(failing, "only")), List.of(), extra);
        assertThat(json(call("retry", "u")).path("model").asText()).isEqualTo("only");
        assertThat(failing.calls()).isEqualTo(3);
    }

    @Test
    void openCircuit_skipsTheFailingProvider() throws IOException {
        failing.failNext(1000, 500);
        fx.endpoint("circuit", List.of(model(failing, "primary")), List.of(model(healthy, "backup")), Json.object());
        for (int i = 0; i < 5; i++) {
            call("circuit", "u");
        }
        assertThat(failing.calls()).isEqualTo(5);
        assertThat(json(call("circuit", "u")).path("model").asText()).isEqualTo("backup");
        assertThat(failing.calls()).as("circuit open: primary not called").isEqualTo(5);
    }

    @Test
    void weightedSplit_followsTheWeights() {
        String a = model(healthy, "a");
        String b = model(healthy, "b");
        ObjectNode body = Json.object().put("name", "split");
        body.putArray("model_configs").add(Json.object().put("model_definition_id", a).put("weight", 0.8))
                .add(Json.object().put("model_definition_id", b).put("weight", 0.2));
        fx.config.endpoints().create(GatewayFixture.message(body));
        GatewayConfigService.ResolvedEndpoint endpoint = fx.config.endpoint(dev.osprey.store.WorkspaceStore.DEFAULT, "split").orElseThrow();
        assertThat(RoutePlan.plan(endpoint, 0.1).get(0).definition().modelName()).isEqualTo("a");
        assertThat(RoutePlan.plan(endpoint, 0.79).get(0).definition().modelName()).isEqualTo("a");
        assertThat(RoutePlan.plan(endpoint, 0.81).get(0).definition().modelName()).isEqualTo("b");
        int toA = 0;
        for (int i = 0; i < 400; i++) {
            toA += call("split", "u").body().length > 0 && healthy.last().body().path("model").asText().equals("a")
                    ? 1 : 0;
        }
        assertThat(toA).isBetween(260, 380);
    }

    @Test
    void requestsPerMinute_answer429WithRetryAfter_perEndpointAndPerUser() {
        ObjectNode extra = Json.object();
        extra.putObject("limits").put("requests_per_minute", 3).put("user_requests_per_minute", 2);
        fx.endpoint("limited", List.of(model(healthy, "m")), List.of(), extra);
        call("limited", "alice");
        call("limited", "alice");
        assertThatThrownBy(() -> call("limited", "alice")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.getMessage()).contains("per user");
            assertThat(e.retryAfterSeconds().getAsLong()).isBetween(1L, 60L);
        });
        call("limited", "bob");
        assertThatThrownBy(() -> call("limited", "carol")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.getMessage()).contains("requests per minute for endpoint"));
        assertThat(healthy.calls()).isEqualTo(3);
    }

    @Test
    void tokensPerMinute_refuseOnceUsed() {
        ObjectNode extra = Json.object();
        extra.putObject("limits").put("tokens_per_minute", 10);
        fx.endpoint("tpm", List.of(model(healthy, "m")), List.of(), extra);
        call("tpm", "u");
        assertThatThrownBy(() -> call("tpm", "u")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.getMessage()).contains("tokens per minute"));
    }

    @Test
    void rejectBudget_refusesOnceSpentWithMlflowsWording() {
        String endpointId = fx.endpoint("budgeted", List.of(model(healthy, "m")), List.of(), Json.object());
        ObjectNode budget = Json.object().put("budget_amount", 0.00002).put("target_scope", "ENDPOINT")
                .put("target_value", endpointId).put("budget_action", "REJECT");
        budget.putObject("duration").put("unit", "DAYS").put("value", 1);
        fx.config.budgetPolicies().create(GatewayFixture.message(budget));
        call("budgeted", "u");
        assertThatThrownBy(() -> call("budgeted", "u")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.getMessage()).startsWith("Budget limit exceeded. Limit: $").contains("USD per 1 day")
                    .contains("Budget resets at ").endsWith("Request rejected.");
        });
        assertThat(fx.gateway.budgets().current().get(0).spent()).isGreaterThan(0.00002);
    }

    @Test
    void usage_isWrittenOffThePathAndAggregates() {
        fx.endpoint("metered", List.of(model(healthy, "m")), List.of(), Json.object());
        call("metered", "alice");
        call("metered", "alice");
        call("metered", "bob");
        fx.usage.flush();
        List<GatewayStore.UsageTotals> byUser = fx.store.gateway().usage(new GatewayStore.UsageQuery(
                GatewayStore.UsageGroup.USER, 0, Long.MAX_VALUE, Optional.empty(), Optional.empty(),
                Optional.empty()));
        assertThat(byUser).extracting(GatewayStore.UsageTotals::key, GatewayStore.UsageTotals::requests)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("alice", 2L),
                        org.assertj.core.groups.Tuple.tuple("bob", 1L));
        GatewayStore.UsageTotals alice = byUser.stream().filter(t -> t.key().equals("alice")).findFirst()
                .orElseThrow();
        assertThat(alice.inputTokens()).isEqualTo(2L * MockProvider.PROMPT_TOKENS);
        assertThat(alice.cost()).isCloseTo(2 * (11 + 14) / 1e6, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(fx.gateway.metrics().prometheus(0))
                .contains("osprey_gateway_requests_total{endpoint=\"metered\",provider=\"openai\",status=\"200\"} 3");
    }

    @Test
    void unknownEndpoint_is404() {
        assertThatThrownBy(() -> call("nope", "u")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(404));
    }
}
