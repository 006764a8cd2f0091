package dev.sluice.runtime.ops;

import dev.sluice.runtime.config.Settings;

/** Where a service serves /health and /metrics. Port 0 picks a free port (the in-process stack uses it). */
public record OpsSettings(String host, int port) {
    public static OpsSettings read(Settings s, int defaultPort) {
        return new OpsSettings(s.string("ops.host", "0.0.0.0"), s.intValue("ops.port", defaultPort, 0, 65_535));
    }
}
