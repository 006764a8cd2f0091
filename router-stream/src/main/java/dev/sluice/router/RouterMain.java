package dev.sluice.router;

import dev.sluice.runtime.ServiceLauncher;

/** Runs router-stream alone: {@code java dev.sluice.router.RouterMain [config.yaml]}. */
public final class RouterMain {
    private RouterMain() {}

    public static void main(String[] args) {
        ServiceLauncher.run(args, RouterConfig::read, RouterService::new);
    }
}
