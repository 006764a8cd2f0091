package dev.sluice.cli;

/** Percentiles of measured samples, shared by the demo summary and the benchmarks. */
public final class Percentiles {
    private Percentiles() {}

    /** The nearest-rank percentile {@code p} (0–100) of sorted samples; 0 for none. */
    public static long nearestRank(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
