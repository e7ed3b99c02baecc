package dev.osprey.gateway.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A spending limit per fixed window: REJECT refuses invocations once the window's spend reaches the amount, ALERT
 * only reports it.
 *
 * @param targetValue the endpoint id or user name the scope names; empty for GLOBAL
 */
public record BudgetPolicy(String budgetPolicyId, double amount, DurationUnit durationUnit, int durationValue,
        Scope scope, Optional<String> targetValue, Action action, Audit audit) {
    public BudgetPolicy {
        Objects.requireNonNull(budgetPolicyId, "budgetPolicyId");
        Objects.requireNonNull(durationUnit, "durationUnit");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(targetValue, "targetValue");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(audit, "audit");
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
