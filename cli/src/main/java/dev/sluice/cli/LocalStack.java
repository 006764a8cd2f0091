package dev.sluice.cli;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.devstack.registry.DevSchemaRegistry;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestService;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.ValueSchemas;
import dev.sluice.runtime.tracing.TracingSettings;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The embedded default on one machine: a real Kafka broker (its own JVM, data kept under the
 * data directory between runs), the development schema registry, the provider simulator, and the
 * four services in this JVM, each configured exactly as it would be from a file. Pointing at a
 * real cluster is configuration of the same services; nothing here is a shortcut they depend on.
 */
public final class LocalStack implements AutoCloseable {
    /**
     * Ports of {@code sluice up}, so a user's application (and a Prometheus) can find the stack; 0
     * means any free port. {@code ops} is the first of the services' health and metrics ports.
     */
    public record Ports(int kafka, int controller, int registry, int sim, int ingest, int ops) {
        public static final Ports ANY = new Ports(0, 0, 0, 0, 0, 0);
        public static final Ports FIXED = new Ports(19092, 19093, 18081, 18080, 18088, 19401);

        /** A service's ops port: one each from {@code ops} on, in {@link Service} order; any when ops is 0. */
        public int opsOf(Service service) {
            return ops == 0 ? 0 : ops + service.ordinal();
        }
    }

    /** The services the stack can run in this JVM. */
    public enum Service {
        ROUTER,
        WORKER,
        SINK,
        INGEST
    }

    /**
     * Settings of the stack. Partition counts are modest: this runs on a laptop. The provider
     * simulator starts when the worker does.
     */
    public record Options(
            Path dataDir,
            Ports ports,
            SimConfig sim,
            Map<String, String> overrides,
            List<String> brokerJvmOptions,
            Set<Service> services) {
        public Options {
            services = services.isEmpty() ? Set.of() : java.util.EnumSet.copyOf(services);
        }

        /** Every service. */
        public Options(
                Path dataDir,
                Ports ports,
                SimConfig sim,
                Map<String, String> overrides,
                List<String> brokerJvmOptions) {
            this(dataDir, ports, sim, overrides, brokerJvmOptions, java.util.EnumSet.allOf(Service.class));
        }
    }

    private static final Map<Service, String> SERVICE_NAMES = Map.of(
            Service.ROUTER,
            "router-stream",
            Service.WORKER,
            "worker-pool",
            Service.SINK,
            "result-sink",
            Service.INGEST,
            "ingest-service");

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    private FileLock lock;
    private KafkaBroker broker;
    private DevSchemaRegistry registry;
    private ProviderSimulator sim;
    private IngestService ingest;
    private final List<SluiceService> services = new ArrayList<>();

    public LocalStack(Options options) {
        this.options = options;
    }

    /** Starts everything, reporting each step; on failure stops what started and rethrows. */
    public LocalStack start(Consumer<String> progress) {
        try {
            Files.createDirectories(options.dataDir());
            lock();
            progress.accept("starting Kafka broker (KRaft) with data in "
                    + options.dataDir().resolve("kafka"));
            KafkaBroker.Builder brokerBuilder = KafkaBroker.builder()
                    .dataDir(options.dataDir().resolve("kafka"))
                    .port(options.ports().kafka())
                    .controllerPort(options.ports().controller());
            options.brokerJvmOptions().forEach(brokerBuilder::jvmOption);
            broker = brokerBuilder.build().start(Duration.ofSeconds(120));
            started.add(broker);
            progress.accept("starting schema registry");
            registry = DevSchemaRegistry.start(
                    broker.bootstrapServers(),
                    "127.0.0.1",
                    options.ports().registry(),
                    DevSchemaRegistry.DEFAULT_TOPIC);
            started.add(registry);
            if (options.services().contains(Service.WORKER)) {
                progress.accept("starting provider simulator");
                sim = ProviderSimulator.start(
                        options.sim().withPort(options.ports().sim()));
                started.add(sim);
            }
            Map<String, String> config = serviceConfig();
            Settings topicSettings = settings(config);
            KafkaSettings kafka = KafkaSettings.read(topicSettings);
            TopicCreator.ensure(kafka);
            if (!options.services().contains(Service.INGEST)) {
                // ingest-service registers them itself when it starts; a stack without it does it here.
                ValueSchemas.register(kafka.serdes().registry(), ValueSchemas.of(kafka.topics(), kafka.layout()));
            }
            if (options.services().isEmpty()) {
                return this;
            }
            progress.accept("starting "
                    + String.join(
                            ", ",
                            options.services().stream()
                                    .map(s -> SERVICE_NAMES.get(s))
                                    .toList()));
            if (options.services().contains(Service.ROUTER)) {
                add(Service.ROUTER, config, RouterConfig::read, RouterService::new);
            }
            if (options.services().contains(Service.WORKER)) {
                add(Service.WORKER, config, WorkerConfig::read, WorkerService::new);
            }
            if (options.services().contains(Service.SINK)) {
                add(Service.SINK, config, SinkConfig::read, SinkService::new);
            }
            if (options.services().contains(Service.INGEST)) {
                ingest = (IngestService) add(Service.INGEST, config, IngestConfig::read, IngestService::new);
            }
            progress.accept("waiting until every service is ready");
            awaitReady(Duration.ofSeconds(120));
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private <C> SluiceService add(
            Service which, Map<String, String> config, Function<Settings, C> read, Function<C, SluiceService> create) {
        Map<String, String> own = new HashMap<>(config);
        if (!options.overrides().containsKey("ops.port")) {
            own.put("ops.port", Integer.toString(options.ports().opsOf(which)));
        }
        SluiceService service = create.apply(Settings.read(ConfigSource.of(own), read));
        started.add(service);
        service.start();
        services.add(service);
        return service;
    }

    /** Waits until every service is ready (Streams apps RUNNING, consumers holding partitions), or names the laggards. */
    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> notReady = services.stream()
                    .filter(s -> !s.ready())
                    .map(s -> s.name() + " " + s.health().details())
                    .toList();
            if (notReady.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Services not ready after " + timeout.toSeconds() + " s: " + notReady);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for services");
            }
        }
    }

    private static Settings settings(Map<String, String> values) {
        return new Settings(ConfigSource.of(values));
    }

    /** The configuration every service gets: the same keys a config file or SLUICE_* variables would set. */
    public Map<String, String> serviceConfig() {
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", broker.bootstrapServers());
        c.put("schema.registry.url", registry.url());
        c.put("topics.tenant.partitions", "6");
        c.put("topics.job.partitions", "3");
        c.put("topics.create", "false");
        c.put(
                "router.state.dir",
                options.dataDir().resolve("state").resolve("router").toString());
        c.put(
                "sink.state.dir",
                options.dataDir().resolve("state").resolve("sink").toString());
        c.put(
                "ingest.state.dir",
                options.dataDir().resolve("state").resolve("ingest").toString());
        if (sim != null) {
            // The simulator speaks both protocols, so every model of the catalogue's chains is served.
            c.put("providers.names", "openai,anthropic");
            c.put("providers.openai.base.url", sim.baseUrl());
            c.put("providers.openai.api.key", "sk-sluice-local");
            c.put("providers.anthropic.base.url", sim.baseUrl());
            c.put("providers.anthropic.api.key", "sk-ant-sluice-local");
            // The simulator ends a batch in seconds: gather and follow batches at that pace.
            c.put("worker.batch.max.age", "1s");
            c.put("worker.batch.poll.interval", "500ms");
            c.put("worker.batch.poll.max.interval", "2s");
        }
        // The demo's receiver, and a developer's own, listen on loopback: allowed here, refused by
        // default anywhere else (the SSRF guard).
        c.put("webhooks.allowed.hosts", "127.0.0.1,localhost,::1");
        c.put("ops.host", "127.0.0.1");
        c.put("ops.port", "0");
        c.put("ingest.host", "127.0.0.1");
        c.put("ingest.port", Integer.toString(options.ports().ingest()));
        // Tracing is off unless the operator points the stack at a collector, as with any service:
        // SLUICE_TRACING_OTLP_ENDPOINT (and SLUICE_TRACING_SAMPLE_RATIO) in the environment.
        ConfigSource environment = ConfigSource.load(null);
        for (String key : TracingSettings.KEYS) {
            if (environment.get(key) != null) {
                c.put(key, environment.get(key));
            }
        }
        c.putAll(options.overrides());
        return c;
    }

    private void lock() throws IOException {
        FileChannel channel = FileChannel.open(
                options.dataDir().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("Another sluice (demo or up) is using " + options.dataDir()
                    + "; stop it first, or give this one its own --data-dir");
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public String simulatorUrl() {
        return sim.baseUrl();
    }

    public String ingestUrl() {
        return "http://127.0.0.1:" + ingest.port();
    }

    /** The broker's JVM, for benchmarks that report its CPU time. */
    public KafkaBroker broker() {
        return broker;
    }

    public ProviderSimulator simulator() {
        return sim;
    }

    public List<SluiceService> services() {
        return Collections.unmodifiableList(services);
    }

    /** Stops services first, then the simulator, registry and broker; never throws. */
    @Override
    public void close() {
        List<AutoCloseable> reverse = new ArrayList<>(started);
        Collections.reverse(reverse);
        for (AutoCloseable c : reverse) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("warning: stopping " + c.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
        started.clear();
        if (lock != null) {
            try {
                lock.release();
                lock.channel().close();
            } catch (IOException e) {
                System.err.println("warning: could not release the data directory lock: " + e.getMessage());
            }
        }
    }
}
