package dev.sluice.runtime;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every service's {@code main} does: read the config file (first argument, or the
 * {@code SLUICE_CONFIG} variable, or none) plus the environment, validate it all at once, log the
 * effective values with secrets masked, start, and close on SIGTERM/Ctrl-C. Bad configuration ends
 * the process with exit code 2 and every problem listed; a start that fails (Kafka refused to create
 * the topics, say), with exit code 1. A broker that cannot be reached yet is waited for, not a
 * failure: the service says so every few seconds and answers /health meanwhile.
 */
public final class ServiceLauncher {
    private static final Logger log = LoggerFactory.getLogger(ServiceLauncher.class);

    private ServiceLauncher() {}

    public static <C> void run(String[] args, Function<Settings, C> readConfig, Function<C, SluiceService> create) {
        String file = args.length > 0 ? args[0] : System.getenv("SLUICE_CONFIG");
        SluiceService service;
        try {
            Settings settings = new Settings(ConfigSource.load(file == null ? null : Path.of(file)));
            C config = readConfig.apply(settings);
            settings.validate();
            log.info(settings.describe());
            service = create.apply(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("Stopping {}", service.name());
                            service.close();
                            stopped.countDown();
                        },
                        "shutdown"));
        try {
            service.start();
        } catch (RuntimeException e) {
            // The ops server may be up already and would keep a half-started process alive.
            log.error("{} could not start: {}", service.name(), e.getMessage(), e);
            service.close();
            System.exit(1);
            return;
        }
        log.info("{} started; health and metrics on port {}", service.name(), service.opsPort());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
