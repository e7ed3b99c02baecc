package dev.osprey.gateway.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A spending limit per fixed window: REJECT refuses invocations once the window's spend reaches the amount, ALERT
 * only reports it.
 *
 * @param targetValue the endpoint id or user name the scope names; empty for GLOBAL
 * @param workspace where the policy was made: see {@link #serverWide()}
 */
public record BudgetPolicy(String budgetPolicyId, double amount, DurationUnit durationUnit, int durationValue,
        Scope scope, Optional<String> targetValue, Action action, Audit audit, String workspace) {
    public BudgetPolicy {
        Objects.requireNonNull(budgetPolicyId, "budgetPolicyId");
        Objects.requireNonNull(durationUnit, "durationUnit");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(targetValue, "targetValue");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(workspace, "workspace");
    }

    /**
     * Whether the policy counts calls of every workspace: one made in the default workspace that is not
     * WORKSPACE-scoped (MLflow's GLOBAL; the only kind there was before workspaces). Any other counts only calls of
     * its own workspace's endpoints, so one team's budget never refuses another's calls.
     */
    public boolean serverWide() {
        return workspace.equals(dev.osprey.store.WorkspaceStore.DEFAULT) && scope != Scope.WORKSPACE;
    }

    public enum DurationUnit {
        MINUTES(60_000L),
        HOURS(3_600_000L),
        DAYS(86_400_000L),
        WEEKS(7 * 86_400_000L),
        MONTHS(30 * 86_400_000L);

        private final long millis;

        DurationUnit(long millis) {
            this.millis = millis;
        }

        public long millis() {
            return millis;
        }
    }

    public enum Scope {
        GLOBAL,
        WORKSPACE,
        ENDPOINT,
        USER
    }

    public enum Action {
        ALERT,
        REJECT
    }

    public long windowMillis() {
        return durationUnit.millis() * durationValue;
    }

    /** Start of the fixed window holding {@code nowMs} (windows are aligned to the epoch). */
    public long windowStart(long nowMs) {
        return nowMs - Math.floorMod(nowMs, windowMillis());
    }
}
