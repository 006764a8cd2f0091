package dev.sluice.runtime;

import dev.sluice.runtime.ops.Health;

/** A running Sluice service: started once, asked for its health, closed once. */
public interface SluiceService extends AutoCloseable {
    String name();

    void start();

    Health health();

    /** Port of its /health and /metrics endpoint once started. */
    int opsPort();

    @Override
    void close();
}
