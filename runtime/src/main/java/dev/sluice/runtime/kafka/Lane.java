package dev.sluice.runtime.kafka;

/**
 * Where a record waits before it runs: its priority (0 runs first), its flow (the tenant), the
 * flow's weight in the fair share among flows of the same priority, and the record's cost as a
 * {@link FairQueue.Gate} counts it (a job's token estimate).
 */
public record Lane(int priority, String flow, int weight, long cost) {
    /** One lane for everything: first come, first served. */
    public static final Lane FIFO = new Lane(0, "", 1);

    public Lane {
        if (priority < 0) {
            throw new IllegalArgumentException("priority must not be negative");
        }
        flow = flow == null ? "" : flow;
        weight = Math.max(1, weight);
        cost = Math.max(0, cost);
    }

    public Lane(int priority, String flow, int weight) {
        this(priority, flow, weight, 1);
    }
}
