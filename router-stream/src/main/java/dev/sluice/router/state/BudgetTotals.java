package dev.sluice.router.state;

/** A tenant's money in one UTC period: held for jobs still running, and spent by finished calls. */
public record BudgetTotals(long reservedMicros, long spentMicros) {
    public static final BudgetTotals NONE = new BudgetTotals(0, 0);

    public long committed() {
        return reservedMicros + spentMicros;
    }

    public BudgetTotals reserve(long micros) {
        return new BudgetTotals(reservedMicros + micros, spentMicros);
    }

    /** Releases a reservation; never below zero, should a release outlive its period's entry. */
    public BudgetTotals release(long micros) {
        return new BudgetTotals(Math.max(0, reservedMicros - micros), spentMicros);
    }

    public BudgetTotals spend(long micros) {
        return new BudgetTotals(reservedMicros, spentMicros + micros);
    }
}
