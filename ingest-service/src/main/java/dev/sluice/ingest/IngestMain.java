package dev.sluice.ingest;

import dev.sluice.runtime.ServiceLauncher;

/** Runs ingest-service alone: {@code java dev.sluice.ingest.IngestMain [config.yaml]}. */
public final class IngestMain {
    private IngestMain() {}

    public static void main(String[] args) {
        ServiceLauncher.run(args, IngestConfig::read, IngestService::new);
    }
}
