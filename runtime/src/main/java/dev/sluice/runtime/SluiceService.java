package dev.sluice.runtime;

import dev.sluice.runtime.ops.Health;

/** A running Sluice service: started once, asked for its health, closed once. */
public interface SluiceService extends AutoCloseable {
    String name();

    void start();

    Health health();

    /**
     * True once the service does its work, not merely lives: Streams apps RUNNING (not still
     * rebalancing), consumers holding partitions. Health answers liveness; this answers readiness.
     */
    default boolean ready() {
        return health().up();
    }

    /** Port of its /health and /metrics endpoint once started. */
    int opsPort();

    @Override
    void close();
}
