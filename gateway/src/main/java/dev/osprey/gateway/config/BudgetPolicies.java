package dev.osprey.gateway.config;

import static dev.osprey.gateway.config.ConfigDocuments.BUDGET;
import static dev.osprey.gateway.config.ConfigFields.given;
import static dev.osprey.gateway.config.ConfigFields.parseEnum;

import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Spending limits in USD per period, globally, per endpoint or per user; rejected or only alerted on. */
public final class BudgetPolicies {
    private final ConfigDocuments docs;

    public BudgetPolicies(ConfigDocuments docs) {
        this.docs = docs;
    }

    /** A policy of the default workspace. */
    public BudgetPolicy create(Message m) {
        return create(m, dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    /** A policy made in a workspace (see {@link BudgetPolicy#serverWide()} for which calls it counts). */
    public BudgetPolicy create(Message m, String workspace) {
        String id = ConfigDocuments.newId("bp-");
        long now = docs.now();
        BudgetPolicy p = read(m, id, Audit.created(now, m.string("created_by")), Optional.empty(), workspace);
        docs.insert(BUDGET, id, id, Json.writeString(GatewayCodec.budget(p)), now, workspace);
        return p;
    }

    public BudgetPolicy get(String id) {
        return docs.require(BUDGET, id, "GatewayBudgetPolicy", "budget_policy_id", GatewayCodec::budgetFromStore);
    }

    public BudgetPolicy update(Message m) {
        BudgetPolicy current = get(m.requiredString("budget_policy_id"));
        BudgetPolicy next = read(m, current.budgetPolicyId(), current.audit().updated(docs.now(),
                m.string("updated_by")), Optional.of(current), current.workspace());
        docs.update(BUDGET, next.budgetPolicyId(), next.budgetPolicyId(), Json.writeString(GatewayCodec.budget(next)),
                next.audit());
        return next;
    }

    public void delete(String id) {
        get(id);
        docs.store().delete(BUDGET, id);
        docs.changed();
    }

    /** Every workspace's, oldest first. */
    public List<BudgetPolicy> list() {
        return docs.budgets().stream().sorted(Comparator.comparingLong(p -> p.audit().createdAt())).toList();
    }

    /** A workspace's, oldest first. */
    public List<BudgetPolicy> list(String workspace) {
        return list().stream().filter(p -> p.workspace().equals(workspace)).toList();
    }

    /** A policy from the request; on update, absent fields keep {@code current}'s values. */
    private static BudgetPolicy read(Message m, String id, Audit audit, Optional<BudgetPolicy> current,
            String workspace) {
        double amount = m.doubleValue("budget_amount").orElseGet(() -> current.map(BudgetPolicy::amount)
                .orElseThrow(() -> Message.missing("budget_amount")));
        if (!(amount > 0) || Double.isInfinite(amount)) {
            throw OspreyException.invalid("'budget_amount' must be a positive number, got " + amount + ".");
        }
        Optional<Message> duration = m.message("duration");
        BudgetPolicy.DurationUnit unit = duration.flatMap(d -> d.string("unit")).map(u -> parseEnum(
                BudgetPolicy.DurationUnit.class, "duration.unit", u)).or(() -> current.map(BudgetPolicy::durationUnit))
                .orElseThrow(() -> Message.missing("duration.unit"));
        long value = duration.flatMap(d -> d.int64("value").stream().boxed().findFirst())
                .orElseGet(() -> current.map(c -> (long) c.durationValue()).orElse(1L));
        if (value < 1 || value > 1000) {
            throw OspreyException.invalid("'duration.value' must be 1 to 1000, got " + value + ".");
        }
        boolean inDefault = workspace.equals(dev.osprey.store.WorkspaceStore.DEFAULT);
        BudgetPolicy.Scope scope = given(m, "target_scope")
                .map(s -> parseEnum(BudgetPolicy.Scope.class, "target_scope", s))
                .or(() -> current.map(BudgetPolicy::scope))
                .orElse(inDefault ? BudgetPolicy.Scope.GLOBAL : BudgetPolicy.Scope.WORKSPACE);
        if (scope == BudgetPolicy.Scope.GLOBAL && !inDefault) {
            throw OspreyException.invalid("target_scope GLOBAL counts every workspace's calls: make such a budget in "
                    + "the default workspace, or use WORKSPACE for this workspace's calls.");
        }
        Optional<String> target = given(m, "target_value").or(() -> current.flatMap(BudgetPolicy::targetValue));
        if ((scope == BudgetPolicy.Scope.ENDPOINT || scope == BudgetPolicy.Scope.USER) && target.isEmpty()) {
            throw OspreyException.invalid("'target_value' is required for target_scope " + scope + ".");
        }
        BudgetPolicy.Action action = given(m, "budget_action")
                .map(s -> parseEnum(BudgetPolicy.Action.class, "budget_action", s))
                .or(() -> current.map(BudgetPolicy::action)).orElse(BudgetPolicy.Action.REJECT);
        String unitName = m.string("budget_unit").orElse("USD");
        if (!unitName.isEmpty() && !unitName.equalsIgnoreCase("USD")) {
            throw OspreyException.invalid("Invalid 'budget_unit' '" + unitName + "': only USD is supported.");
        }
        return new BudgetPolicy(id, amount, unit, (int) value, scope, target, action, audit, workspace);
    }
}
