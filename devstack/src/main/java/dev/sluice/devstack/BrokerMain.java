package dev.sluice.devstack;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of the broker's own JVM: formats the storage directory on first use, then runs the
 * real Kafka broker ({@code kafka.Kafka}). A watchdog ends the process when the parent that
 * started it is gone, so a killed demo or test run never leaves a broker behind.
 *
 * <p>Arguments: {@code <server.properties> <clusterId> <parentPid>}.
 */
public final class BrokerMain {
    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: BrokerMain <server.properties> <clusterId> <parentPid>");
            System.exit(2);
        }
        String properties = args[0];
        String clusterId = args[1];
        long parentPid = Long.parseLong(args[2]);
        watchParent(parentPid);
        ignoreInterrupt();

        Path logDir = Path.of(KafkaBroker.readProperty(Path.of(properties), "log.dirs"));
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            int rc = kafka.tools.StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", properties, "--ignore-formatted"},
                    new PrintStream(System.out, true));
            if (rc != 0) {
                System.err.println("Formatting " + logDir + " failed with exit code " + rc);
                System.exit(rc);
            }
        }
        kafka.Kafka.main(new String[] {properties});
    }

    /**
     * Ctrl-C in a terminal signals the whole process group. The parent then closes its services
     * and stops this broker last (SIGTERM); were the broker to stop at once as well, the services
     * would close against a broker that is gone and wait out their timeouts.
     */
    private static void ignoreInterrupt() {
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
    }

    private static void watchParent(long parentPid) {
        Thread watchdog = Thread.ofPlatform().daemon().name("parent-watchdog").start(() -> {
            var parent = ProcessHandle.of(parentPid);
            while (parent.isPresent() && parent.get().isAlive()) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("Parent process " + parentPid + " is gone; stopping the broker.");
            Runtime.getRuntime().halt(0);
        });
        watchdog.setPriority(Thread.MIN_PRIORITY);
    }
}
