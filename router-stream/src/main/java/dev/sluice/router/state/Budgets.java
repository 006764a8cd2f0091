package dev.sluice.router.state;

import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.streams.ExpiringStore;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * A tenant's daily and monthly budgets. Routing a job reserves its estimated cost in both UTC
 * periods; its result releases the reservation; cost events add what was really spent. A job
 * is admitted only when reserved + spent + its estimate fits every budget. All of a tenant's
 * decisions run in one task, one at a time, so parallel requests cannot slip past each other:
 * the total can exceed a budget only by what a call really costs beyond its estimate.
 */
public final class Budgets {
    private static final long DAY_MS = 86_400_000L;

    private final ExpiringStore<BudgetTotals> totals;

    public Budgets(ExpiringStore<BudgetTotals> totals) {
        this.totals = totals;
    }

    /** True when the tenant has any budget at all; tenants without one cost no budget state. */
    public static boolean limited(TenantConfig tenant) {
        return tenant.limits().dailyBudgetMicros() != null || tenant.limits().monthlyBudgetMicros() != null;
    }

    /** Why an estimate does not fit, or null when it fits both periods. */
    public String shortfall(TenantConfig tenant, long estimateMicros, long now) {
        Instant at = Instant.ofEpochMilli(now);
        String day = day(at);
        String month = month(at);
        String daily = check(
                "daily", tenant.limits().dailyBudgetMicros(), totals(tenant.tenantId(), day, now), estimateMicros);
        return daily != null
                ? daily
                : check(
                        "monthly",
                        tenant.limits().monthlyBudgetMicros(),
                        totals(tenant.tenantId(), month, now),
                        estimateMicros);
    }

    private static String check(String period, Long budget, BudgetTotals t, long estimate) {
        if (budget == null || t.committed() + estimate <= budget) {
            return null;
        }
        return period + " budget of " + micros(budget) + " would be exceeded: " + micros(t.spentMicros())
                + " spent and " + micros(t.reservedMicros()) + " held for running jobs; this request may cost up to "
                + micros(estimate);
    }

    /** Holds the estimate in today's and this month's totals. */
    public Reservation reserve(TenantConfig tenant, long estimateMicros, long now) {
        Instant at = Instant.ofEpochMilli(now);
        Reservation r = new Reservation(estimateMicros, day(at), month(at));
        change(tenant.tenantId(), r.day(), now, t -> t.reserve(estimateMicros));
        change(tenant.tenantId(), r.month(), now, t -> t.reserve(estimateMicros));
        return r;
    }

    public void release(String tenantId, Reservation r, long now) {
        change(tenantId, r.day(), now, t -> t.release(r.estimateMicros()));
        change(tenantId, r.month(), now, t -> t.release(r.estimateMicros()));
    }

    /** Adds spend to the periods of the moment it was spent. */
    public void spend(String tenantId, long micros, Instant occurredAt, long now) {
        change(tenantId, day(occurredAt), now, t -> t.spend(micros));
        change(tenantId, month(occurredAt), now, t -> t.spend(micros));
    }

    /** A tenant's totals in the UTC day and month of a moment. */
    public record Current(BudgetTotals day, BudgetTotals month) {}

    /**
     * Every tenant with totals in the UTC day or month of {@code now} in this store (this task's
     * tenants), with both; reads the whole store, which holds a few periods per tenant.
     */
    public java.util.Map<String, Current> current(long now) {
        Instant at = Instant.ofEpochMilli(now);
        String day = day(at);
        String month = month(at);
        java.util.Map<String, Current> out = new java.util.TreeMap<>();
        totals.forEachLive(now, (key, t) -> {
            int split = key.indexOf('\u0000');
            String tenant = key.substring(0, split);
            String period = key.substring(split + 1);
            if (period.equals(day) || period.equals(month)) {
                Current c = out.getOrDefault(tenant, new Current(BudgetTotals.NONE, BudgetTotals.NONE));
                out.put(tenant, period.equals(day) ? new Current(t, c.month()) : new Current(c.day(), t));
            }
        });
        return out;
    }

    public BudgetTotals totals(String tenantId, String period, long now) {
        BudgetTotals t = totals.get(key(tenantId, period), now);
        return t == null ? BudgetTotals.NONE : t;
    }

    private void change(
            String tenantId, String period, long now, java.util.function.UnaryOperator<BudgetTotals> change) {
        String key = key(tenantId, period);
        ExpiringStore.Entry<BudgetTotals> e = totals.entry(key, now);
        if (e == null) {
            totals.put(key, change.apply(BudgetTotals.NONE), expiry(period));
        } else {
            totals.update(key, e, change.apply(e.value()));
        }
    }

    static String key(String tenantId, String period) {
        return tenantId + '\u0000' + period;
    }

    public static String day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC).toString();
    }

    public static String month(Instant at) {
        return YearMonth.from(at.atZone(ZoneOffset.UTC)).toString();
    }

    /** A period's totals outlive it by a few days, for late cost events and reporting. */
    private static long expiry(String period) {
        if (period.length() == 10) {
            return LocalDate.parse(period)
                            .atStartOfDay(ZoneOffset.UTC)
                            .toInstant()
                            .toEpochMilli()
                    + 3 * DAY_MS;
        }
        return YearMonth.parse(period)
                        .plusMonths(1)
                        .atDay(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toEpochMilli()
                + 7 * DAY_MS;
    }

    public static String micros(long micros) {
        return String.format(java.util.Locale.ROOT, "$%d.%06d", micros / 1_000_000, Math.abs(micros % 1_000_000));
    }
}
