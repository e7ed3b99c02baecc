package dev.osprey.gateway.routing;

import dev.osprey.gateway.config.BudgetPolicy;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.store.GatewayStore;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spend per budget policy in its current fixed window. A window's spend starts from the usage log (so a restart
 * keeps it) and then grows in memory as calls complete, before their usage rows are written.
 */
public final class Budgets {
    private static final Logger LOG = LoggerFactory.getLogger(Budgets.class);
    private final GatewayStore store;
    private final LongSupplier clock;
    private volatile java.util.function.Consumer<Spend> onAlert = spend -> { };
    private volatile List<BudgetPolicy> policies = List.of();
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** One policy's current window and what has been spent in it. */
    public record Spend(BudgetPolicy policy, long windowStart, long windowEnd, double spent) {}

    private record Window(long start, DoubleAdder spent, java.util.concurrent.atomic.AtomicBoolean alerted) {}

    public Budgets(GatewayStore store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Who hears of an ALERT policy's window being used up (once per window): the webhooks. */
    public void onAlert(java.util.function.Consumer<Spend> listener) {
        onAlert = listener;
    }

    public void setPolicies(List<BudgetPolicy> next) {
        policies = List.copyOf(next);
        windows.keySet().retainAll(next.stream().map(BudgetPolicy::budgetPolicyId).toList());
    }

    private static boolean applies(BudgetPolicy p, GatewayEndpoint endpoint, String user) {
        if (!p.serverWide() && !p.workspace().equals(endpoint.workspace())) {
            return false;
        }
        return switch (p.scope()) {
            case GLOBAL, WORKSPACE -> true;
            case ENDPOINT -> p.targetValue().map(endpoint.endpointId()::equals).orElse(false);
            case USER -> p.targetValue().map(user::equals).orElse(false);
        };
    }

    private Window window(BudgetPolicy p, long now) {
        long start = p.windowStart(now);
        return windows.compute(p.budgetPolicyId(), (id, w) -> {
            if (w != null && w.start() == start) {
                return w;
            }
            DoubleAdder spent = new DoubleAdder();
            spent.add(spentInStore(p, start, now));
            return new Window(start, spent, new java.util.concurrent.atomic.AtomicBoolean());
        });
    }

    private double spentInStore(BudgetPolicy p, long from, long to) {
        Optional<String> endpoint = p.scope() == BudgetPolicy.Scope.ENDPOINT ? p.targetValue() : Optional.empty();
        Optional<String> user = p.scope() == BudgetPolicy.Scope.USER ? p.targetValue() : Optional.empty();
        Optional<String> workspace = p.serverWide() ? Optional.empty() : Optional.of(p.workspace());
        return store.usage(new GatewayStore.UsageQuery(GatewayStore.UsageGroup.PROVIDER, from, to + 1, endpoint,
                user, workspace)).stream().mapToDouble(GatewayStore.UsageTotals::cost).sum();
    }

    /** The refusal detail when a REJECT policy that applies is used up (MLflow's wording), else empty. */
    public Optional<String> rejection(GatewayEndpoint endpoint, String user) {
        long now = clock.getAsLong();
        for (BudgetPolicy p : policies) {
            if (p.action() == BudgetPolicy.Action.REJECT && applies(p, endpoint, user)) {
                Window w = window(p, now);
                if (w.spent().sum() >= p.amount()) {
                    return Optional.of(String.format(Locale.ROOT, "Budget limit exceeded. Limit: $%s USD per %d %s. "
                            + "Budget resets at %s. Request rejected.", amount(p.amount()), p.durationValue(),
                            unit(p), Instant.ofEpochMilli(w.start() + p.windowMillis())));
                }
            }
        }
        return Optional.empty();
    }

    private static String amount(double amount) {
        return amount == Math.rint(amount) ? String.format(Locale.ROOT, "%.2f", amount)
                : String.valueOf(amount);
    }

    private static String unit(BudgetPolicy p) {
        String unit = p.durationUnit().name().toLowerCase(Locale.ROOT);
        return p.durationValue() == 1 ? unit.substring(0, unit.length() - 1) : unit;
    }

    /** Adds a completed call's cost to every policy it falls under. */
    public void spent(GatewayEndpoint endpoint, String user, double cost) {
        if (cost <= 0) {
            return;
        }
        long now = clock.getAsLong();
        for (BudgetPolicy p : policies) {
            if (applies(p, endpoint, user)) {
                Window w = window(p, now);
                w.spent().add(cost);
                if (p.action() == BudgetPolicy.Action.ALERT && w.spent().sum() >= p.amount()
                        && w.alerted().compareAndSet(false, true)) {
                    LOG.warn("Gateway budget {} exceeded: {} USD spent of {} USD in the window starting {}",
                            p.budgetPolicyId(), w.spent().sum(), p.amount(), Instant.ofEpochMilli(w.start()));
                    try {
                        onAlert.accept(new Spend(p, w.start(), w.start() + p.windowMillis(), w.spent().sum()));
                    } catch (RuntimeException e) {
                        LOG.warn("Reporting exceeded budget {} failed: {}", p.budgetPolicyId(), e.toString());
                    }
                }
            }
        }
    }

    /** Current window and spend of every policy. */
    public List<Spend> current() {
        long now = clock.getAsLong();
        return policies.stream().map(p -> {
            Window w = window(p, now);
            return new Spend(p, w.start(), w.start() + p.windowMillis(), w.spent().sum());
        }).toList();
    }
}
