package dev.osprey.gateway;

import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.gateway.GatewayConfigService.ResolvedModel;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.provider.CompletionsAsChat;
import dev.osprey.gateway.provider.Passthroughs;
import dev.osprey.gateway.provider.ProviderAdapter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which models an invocation tries, in order: one PRIMARY chosen by weight, then FALLBACK models by
 * {@code fallback_order} up to the configured attempts. A request no model of the endpoint can serve is refused
 * before any provider is called.
 */
final class RoutePlan {
    private RoutePlan() {}

    /** The plan for {@code inv}; {@code random} in [0, 1) picks the PRIMARY. */
    static List<ResolvedModel> of(Invocation inv, ResolvedEndpoint endpoint, double random) {
        if (inv.passthrough().isEmpty()) {
            checkServable(inv, endpoint);
            return plan(endpoint, random);
        }
        String family = inv.passthrough().get().family();
        List<ResolvedModel> plan = plan(endpoint, random).stream()
                .filter(m -> Passthroughs.family(m.definition().provider()).equals(family)).toList();
        if (plan.isEmpty()) {
            throw new GatewayException(400, "Endpoint '" + endpoint.endpoint().name() + "' has no " + family
                    + " model for this passthrough route.");
        }
        return plan;
    }

    /** The models to try, in order, without looking at what the invocation asks for. */
    static List<ResolvedModel> plan(ResolvedEndpoint endpoint, double random) {
        List<ResolvedModel> primaries = endpoint.models().stream()
                .filter(m -> m.mapping().linkage() == GatewayEndpoint.Linkage.PRIMARY).toList();
        if (primaries.isEmpty()) {
            throw new GatewayException(404, "Endpoint '" + endpoint.endpoint().name() + "' has no PRIMARY model.");
        }
        List<ResolvedModel> plan = new ArrayList<>();
        plan.add(weighted(primaries, random));
        endpoint.endpoint().fallback().ifPresent(f -> endpoint.models().stream()
                .filter(m -> m.mapping().linkage() == GatewayEndpoint.Linkage.FALLBACK)
                .sorted(Comparator.comparingInt(m -> m.mapping().fallbackOrder()))
                .limit(f.maxAttempts())
                .forEach(plan::add));
        return plan;
    }

    /** Every model of the endpoint must serve the operation, so a fallback never changes what a caller gets. */
    private static void checkServable(Invocation inv, ResolvedEndpoint endpoint) {
        for (ResolvedModel m : endpoint.models()) {
            ProviderAdapter adapter = m.adapter();
            boolean asChat = CompletionsAsChat.needed(adapter, inv.operation());
            if (asChat && inv.stream()) {
                throw new GatewayException(400, "Endpoint '" + endpoint.endpoint().name() + "' routes to "
                        + m.definition().provider() + ", which serves completions only unstreamed; use chat "
                        + "completions to stream.");
            }
            if (!adapter.supports(inv.operation()) && !asChat) {
                throw new GatewayException(400, "Endpoint '" + endpoint.endpoint().name() + "' routes to "
                        + m.definition().provider() + ", which does not serve " + inv.operation().openAiPath() + ".");
            }
        }
    }

    private static ResolvedModel weighted(List<ResolvedModel> primaries, double random) {
        double total = primaries.stream().mapToDouble(m -> m.mapping().weight()).sum();
        if (total <= 0) {
            return primaries.get(0);
        }
        double point = random * total;
        for (ResolvedModel m : primaries) {
            point -= m.mapping().weight();
            if (point < 0) {
                return m;
            }
        }
        return primaries.get(primaries.size() - 1);
    }
}
