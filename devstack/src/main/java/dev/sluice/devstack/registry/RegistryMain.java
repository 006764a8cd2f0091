package dev.sluice.devstack.registry;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the development registry alone against an existing broker:
 * {@code RegistryMain <bootstrapServers> [port] [topic]} (port 8081 and topic
 * {@value DevSchemaRegistry#DEFAULT_TOPIC} by default). It serves until the process is stopped.
 */
public final class RegistryMain {
    private RegistryMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: RegistryMain <bootstrapServers> [port (default 8081)] [topic (default "
                    + DevSchemaRegistry.DEFAULT_TOPIC + ")]");
            System.exit(2);
        }
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8081;
        String topic = args.length > 2 ? args[2] : DevSchemaRegistry.DEFAULT_TOPIC;
        DevSchemaRegistry registry = DevSchemaRegistry.start(args[0], "127.0.0.1", port, topic);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            registry.close();
                            stopped.countDown();
                        },
                        "registry-shutdown"));
        System.out.println("Schema registry at " + registry.url() + " (topic " + topic + ")");
        stopped.await();
    }
}
