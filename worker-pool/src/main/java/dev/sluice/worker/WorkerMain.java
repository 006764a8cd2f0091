package dev.sluice.worker;

import dev.sluice.runtime.ServiceLauncher;

/** Runs worker-pool alone: {@code java dev.sluice.worker.WorkerMain [config.yaml]}. */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        ServiceLauncher.run(args, WorkerConfig::read, WorkerService::new);
    }
}
