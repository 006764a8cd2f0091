package dev.sluice.cli;

import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.util.Map;
import java.util.function.Function;

/** Starts a service in the test's JVM from configuration values, exactly as its Main reads a file. */
public final class InProcessServices {
    private InProcessServices() {}

    public static <C> SluiceService start(
            Map<String, String> values, Function<Settings, C> read, Function<C, SluiceService> create) {
        SluiceService service = create.apply(Settings.read(ConfigSource.of(values), read));
        service.start();
        return service;
    }
}
