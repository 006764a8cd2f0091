package dev.sluice.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) in its own JVM,
 * started from this JVM's classpath, which holds the kafka_2.13 artifact. It is the broker users
 * run, not a mock: the demo, {@code sluice up} and every integration test talk to it over TCP.
 *
 * <p>With a data directory the broker keeps its topics between runs (the cluster id is stored
 * next to the data); without one it uses a temporary directory deleted on close.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
    private static final String READY_LINE = "Kafka Server started";

    private final Path dataDir;
    private final boolean ephemeral;
    private final int port;
    private final int controllerPort;
    private final int heapMb;
    private final Map<String, String> overrides;
    private final List<String> jvmOptions;
    private Process process;

    private KafkaBroker(Builder b) {
        try {
            this.ephemeral = b.dataDir == null;
            this.dataDir = ephemeral ? Files.createTempDirectory("sluice-kafka-") : b.dataDir.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = b.port == 0 ? freePort() : b.port;
        this.controllerPort = b.controllerPort == 0 ? freePort() : b.controllerPort;
        this.heapMb = b.heapMb;
        this.overrides = Map.copyOf(b.overrides);
        this.jvmOptions = List.copyOf(b.jvmOptions);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** CPU time the broker's JVM has used so far, for benchmarks; zero when the OS does not say. */
    public Duration cpuTime() {
        return process == null
                ? Duration.ZERO
                : process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** The broker JVM's process id, for benchmarks that read its memory from the OS; -1 before it starts. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Starts the broker and returns once it answers as a cluster, or throws with the log's tail. */
    public KafkaBroker start(Duration timeout) {
        try {
            Files.createDirectories(dataDir);
            ensurePortFree(port);
            ensurePortFree(controllerPort);
            Path properties = writeServerProperties();
            String clusterId = clusterId();
            Path log4j = writeLogConfig();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xms128m");
            command.add("-Xmx" + heapMb + "m");
            command.add("-XX:+UseG1GC");
            command.addAll(jvmOptions);
            command.add("-Dlog4j2.configurationFile=" + log4j);
            command.add("-Dkafka.logs.dir=" + dataDir.resolve("logs"));
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-cp");
            command.add(classpath());
            command.add(BrokerMain.class.getName());
            command.add(properties.toString());
            command.add(clusterId);
            command.add(Long.toString(ProcessHandle.current().pid()));
            Files.deleteIfExists(logFile());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
            awaitReady(timeout);
            log.info("Kafka broker ready at {} (data in {})", bootstrapServers(), dataDir);
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Could not start the Kafka broker: " + e.getMessage(), e);
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The Kafka broker exited with code " + process.exitValue()
                        + " before it was ready. Last lines of " + logFile() + ":\n" + tail(40));
            }
            if (Files.exists(logFile())
                    && Files.readString(logFile(), StandardCharsets.UTF_8).contains(READY_LINE)
                    && clusterAnswers()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the broker");
            }
        }
        close();
        throw new IllegalStateException("The Kafka broker was not ready within " + timeout.toSeconds()
                + " s. Last lines of " + logFile() + ":\n" + tail(40));
    }

    private boolean clusterAnswers() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3000))) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private Path writeServerProperties() throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.resolve("data").toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // Small segments and a short check interval keep a long-lived dev broker's disk use in check.
        p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        p.put("log.retention.check.interval.ms", "60000");
        p.putAll(overrides);
        Path file = dataDir.resolve("server.properties");
        Properties props = new Properties();
        props.putAll(p);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "Written by Sluice's KafkaBroker on each start");
        }
        return file;
    }

    private String clusterId() throws IOException {
        Path file = dataDir.resolve("cluster.id");
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        String id = newClusterId();
        Files.writeString(file, id, StandardCharsets.UTF_8);
        return id;
    }

    /**
     * A base64url UUID without padding, as `kafka-storage random-uuid` makes, never starting with
     * '-': the storage tool's argument parser would take such an id for an option (1 run in 64).
     */
    static String newClusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            byte[] bytes = java.nio.ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits())
                    .array();
            String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    private Path writeLogConfig() throws IOException {
        Path file = dataDir.resolve("broker-log4j2.properties");
        Files.writeString(file, """
                status = warn
                appender.out.type = Console
                appender.out.name = out
                appender.out.layout.type = PatternLayout
                appender.out.layout.pattern = [%d] %p %m (%c)%n
                rootLogger.level = INFO
                rootLogger.appenderRef.out.ref = out
                logger.state.name = state.change.logger
                logger.state.level = WARN
                logger.controller.name = org.apache.kafka.controller
                logger.controller.level = WARN
                logger.coordinator.name = org.apache.kafka.coordinator
                logger.coordinator.level = WARN
                logger.log.name = kafka.log
                logger.log.level = WARN
                logger.storage.name = org.apache.kafka.storage
                logger.storage.level = WARN
                """, StandardCharsets.UTF_8);
        return file;
    }

    static String readProperty(Path file, String key) throws IOException {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        }
        return props.getProperty(key);
    }

    /**
     * The classpath to start the broker with. Surefire and failsafe may hand the JVM a single
     * manifest-only jar; its Class-Path entries are the real classpath. Benchmarks start other
     * JVMs (the provider simulator) with it too.
     */
    public static String classpath() throws IOException {
        String override = System.getProperty("sluice.broker.classpath");
        if (override != null) {
            return override;
        }
        String cp = System.getProperty("java.class.path");
        String[] entries = cp.split(java.io.File.pathSeparator);
        if (entries.length == 1 && entries[0].endsWith(".jar")) {
            try (JarFile jar = new JarFile(entries[0])) {
                String manifestCp = jar.getManifest() == null
                        ? null
                        : jar.getManifest().getMainAttributes().getValue("Class-Path");
                if (manifestCp != null) {
                    List<String> expanded = new ArrayList<>();
                    for (String url : manifestCp.split(" ")) {
                        if (!url.isBlank()) {
                            expanded.add(Path.of(java.net.URI.create(url)).toString());
                        }
                    }
                    return String.join(java.io.File.pathSeparator, expanded);
                }
            }
        }
        return cp;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free local port", e);
        }
    }

    private static void ensurePortFree(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            throw new IllegalStateException("Port " + port + " on 127.0.0.1 is already in use; another broker"
                    + " (perhaps `sluice up`) may be running. Stop it or choose other ports.");
        } catch (IOException free) {
            // Nothing listens: the port is ours to take.
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and deletes a temporary data directory. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (ephemeral) {
            deleteRecursively(dataDir);
        }
    }

    /** Kills the broker at once, as a crash would; for tests of what survives. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }

    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private int heapMb = 512;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();

        /** Extra options for the broker's JVM, e.g. {@code -XX:TieredStopAtLevel=1} for short runs. */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** Keep data here between runs; without it, a temporary directory is used and deleted. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Client port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        public Builder heapMb(int heapMb) {
            this.heapMb = heapMb;
            return this;
        }

        /** Any broker property, applied last. */
        public Builder config(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public KafkaBroker build() {
            return new KafkaBroker(this);
        }
    }
}
