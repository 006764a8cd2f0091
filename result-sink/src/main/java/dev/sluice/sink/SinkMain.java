package dev.sluice.sink;

import dev.sluice.runtime.ServiceLauncher;

/** Runs result-sink alone: {@code java dev.sluice.sink.SinkMain [config.yaml]}. */
public final class SinkMain {
    private SinkMain() {}

    public static void main(String[] args) {
        ServiceLauncher.run(args, SinkConfig::read, SinkService::new);
    }
}
