package dev.sluice.cli.chaos;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.model.ApiKey;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sluice on one machine with every part a process of its own: the broker (KRaft, its own JVM), the
 * development schema registry, the provider simulator and the four services, each service started
 * from a properties file as in production ({@code RouterMain}, {@code WorkerMain}, {@code SinkMain},
 * {@code IngestMain}). Each service keeps its ports and state directory across restarts, so a
 * restarted one is the same instance: the same default group instance id (host and ops port) and,
 * for the Streams apps, the same process id and so the same transactional ids. {@code sluice chaos}
 * kills and restarts its parts; {@code sluice bench pipeline} reads each part's CPU and memory.
 */
public final class ProcessStack implements AutoCloseable {
    public static final String TENANT = "chaos";
    /** Partitions of every tenant-keyed topic, unless the overrides say otherwise. */
    public static final int TENANT_PARTITIONS = 6;

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final Map<Target, String> MAINS = Map.of(
            Target.ROUTER,
            "dev.sluice.router.RouterMain",
            Target.WORKER,
            "dev.sluice.worker.WorkerMain",
            Target.SINK,
            "dev.sluice.sink.SinkMain",
            Target.INGEST,
            "dev.sluice.ingest.IngestMain");

    /**
     * What the stack's options are. {@code overrides} are service settings over the stack's own;
     * {@code serviceJvm} the services' JVM flags and {@code serviceHeapMb} their heap; {@code tenants}
     * more tenants to register besides {@link #TENANT}, without webhooks; {@code limits} every
     * tenant's limits and budgets (null for none).
     */
    public record Options(
            Path dataDir,
            int simLatencyMs,
            Map<String, String> overrides,
            List<String> serviceJvm,
            int serviceHeapMb,
            List<String> tenants,
            TenantConfig.Limits limits) {
        public Options {
            overrides = Map.copyOf(overrides);
            serviceJvm = List.copyOf(serviceJvm);
            tenants = List.copyOf(tenants);
        }

        /** What {@code sluice chaos} runs: C1 only and the serial collector, as these JVMs restart often (ADR 0004). */
        public Options(Path dataDir, int simLatencyMs, Map<String, String> overrides) {
            this(dataDir, simLatencyMs, overrides, JavaProcess.QUICK_START, 384, List.of(), null);
        }
    }

    private final Options options;
    private final Map<Target, JavaProcess> services = new EnumMap<>(Target.class);
    private final Map<Target, Integer> readyPorts = new EnumMap<>(Target.class);
    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<String, JavaProcess> parts = new java.util.LinkedHashMap<>();
    private KafkaBroker broker;
    private String registryUrl;
    private String simUrl;
    private int ingestPort;
    private String apiKey;
    private Map<String, String> config = Map.of();

    public ProcessStack(Options options) {
        this.options = options;
    }

    public ProcessStack start(Consumer<String> progress) throws Exception {
        try {
            deleteRecursively(options.dataDir());
            Files.createDirectories(options.dataDir().resolve("logs"));
            progress.accept("starting the Kafka broker (its own JVM), data in "
                    + options.dataDir().resolve("kafka"));
            broker = KafkaBroker.builder()
                    .dataDir(options.dataDir().resolve("kafka"))
                    .build()
                    .start(Duration.ofSeconds(120));
            started.add(broker);
            progress.accept("starting the schema registry and the provider simulator (a JVM each)");
            int registryPort = freePort();
            registryUrl = "http://127.0.0.1:" + registryPort;
            startPart(new JavaProcess(
                    "schema-registry",
                    "dev.sluice.devstack.registry.RegistryMain",
                    List.of(broker.bootstrapServers(), Integer.toString(registryPort)),
                    log("registry"),
                    JavaProcess.QUICK_START,
                    256));
            int simPort = freePort();
            simUrl = "http://127.0.0.1:" + simPort;
            startPart(new JavaProcess(
                    "provider-sim",
                    "dev.sluice.sim.Main",
                    List.of(
                            "--port",
                            Integer.toString(simPort),
                            "--latency-ms",
                            Integer.toString(options.simLatencyMs())),
                    log("provider-sim"),
                    JavaProcess.QUICK_START,
                    256));
            awaitHttp(registryUrl + "/subjects", Duration.ofSeconds(90), "the schema registry");
            awaitHttp(simUrl + "/health", Duration.ofSeconds(90), "the provider simulator");
            config = buildConfig();
            TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(config))));
            registerTenant(config);
            progress.accept("starting router-stream, worker-pool, result-sink and ingest-service (a JVM each)");
            for (Target t : List.of(Target.ROUTER, Target.WORKER, Target.SINK, Target.INGEST)) {
                Map<String, String> own = new HashMap<>(config);
                int opsPort = freePort();
                own.put("ops.port", Integer.toString(opsPort));
                if (t != Target.WORKER) {
                    // The worker keeps no local state, and a key it does not read would stop it at start.
                    own.put(
                            t.name().toLowerCase(java.util.Locale.ROOT) + ".state.dir",
                            options.dataDir()
                                    .resolve("state")
                                    .resolve(t.label())
                                    .toString());
                }
                readyPorts.put(t, t == Target.INGEST ? ingestPort : opsPort);
                Path file = options.dataDir().resolve(t.label() + ".properties");
                writeProperties(file, own);
                services.put(
                        t,
                        startPart(new JavaProcess(
                                t.label(),
                                MAINS.get(t),
                                List.of(file.toString()),
                                log(t.label()),
                                options.serviceJvm(),
                                options.serviceHeapMb())));
            }
            progress.accept("waiting until every service is ready");
            for (Target t : services.keySet()) {
                awaitReady(t, Duration.ofSeconds(180));
            }
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts a part, to be stopped with the stack and named in {@link #pids()}. */
    private JavaProcess startPart(JavaProcess part) {
        started.add(part.start());
        parts.put(part.name(), part);
        return part;
    }

    /** The configuration every service gets, as a file or SLUICE_* variables would set it. */
    private Map<String, String> buildConfig() {
        ingestPort = freePort();
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", broker.bootstrapServers());
        c.put("schema.registry.url", registryUrl);
        c.put("topics.tenant.partitions", Integer.toString(TENANT_PARTITIONS));
        c.put("topics.job.partitions", "3");
        c.put("topics.create", "false");
        c.put("providers.names", "openai,anthropic");
        c.put("providers.openai.base.url", simUrl);
        c.put("providers.openai.api.key", "sk-sluice-chaos");
        c.put("providers.anthropic.base.url", simUrl);
        c.put("providers.anthropic.api.key", "sk-ant-sluice-chaos");
        c.put("ops.host", "127.0.0.1");
        c.put("ingest.host", "127.0.0.1");
        c.put("ingest.port", Integer.toString(ingestPort));
        c.putAll(options.overrides());
        return c;
    }

    /** The tenants, without webhooks, and an API key of the first for ingest-service. */
    private void registerTenant(Map<String, String> config) throws Exception {
        KafkaSettings kafka = KafkaSettings.read(new Settings(ConfigSource.of(config)));
        SluiceSerdes serdes = kafka.serdes();
        var topics = kafka.topics();
        List<TenantConfig> tenants = new ArrayList<>();
        for (String id :
                Stream.concat(Stream.of(TENANT), options.tenants().stream()).toList()) {
            tenants.add(new TenantConfig(
                    id,
                    id,
                    options.limits(),
                    null,
                    null,
                    null,
                    null,
                    TenantConfig.Webhooks.NONE,
                    null,
                    null,
                    null,
                    3600,
                    1,
                    Instant.now()));
        }
        ApiKeys.Issued issued = ApiKeys.issue(new SecureRandom());
        apiKey = issued.key();
        ApiKey record = new ApiKey(issued.keyId(), TENANT, issued.sha256(), "sluice chaos", Instant.now(), null);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            for (TenantConfig tenant : tenants) {
                producer.send(new ProducerRecord<>(
                                topics.tenants(),
                                tenant.tenantId(),
                                serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                        .get();
            }
            producer.send(new ProducerRecord<>(
                            topics.apiKeys(),
                            record.keyId(),
                            serdes.apiKeys().serializer().serialize(topics.apiKeys(), record)))
                    .get();
        }
    }

    /** SIGKILL to one part, and at once the same part started again; returns when it is ready. */
    Restart killAndRestart(Target target) throws Exception {
        Instant killed;
        if (target == Target.BROKER) {
            broker.kill();
            killed = Instant.now();
            broker.start(Duration.ofSeconds(180));
        } else {
            JavaProcess p = services.get(target);
            p.kill();
            killed = Instant.now();
            p.start();
            awaitReady(target, Duration.ofSeconds(180));
        }
        return new Restart(killed, Instant.now());
    }

    /** When a part was killed, and when its successor was ready. */
    record Restart(Instant killed, Instant ready) {}

    private void awaitReady(Target t, Duration timeout) throws InterruptedException {
        JavaProcess p = services.get(t);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ok("http://127.0.0.1:" + readyPorts.get(t) + "/ready")) {
            if (!p.alive()) {
                throw new IllegalStateException(t.label() + " exited before it was ready; see " + p.log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        t.label() + " not ready after " + timeout.toSeconds() + " s; see " + p.log());
            }
            Thread.sleep(100);
        }
    }

    private static void awaitHttp(String url, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ok(url)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        what + " did not answer " + url + " within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    private static boolean ok(String url) throws InterruptedException {
        try {
            return HTTP.send(
                                    HttpRequest.newBuilder(URI.create(url))
                                            .timeout(Duration.ofSeconds(2))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The process id of each part, by name: kafka-broker, schema-registry, provider-sim and the four
     * services; -1 for one not running.
     */
    public Map<String, Long> pids() {
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        pids.put("kafka-broker", broker == null ? -1 : broker.pid());
        parts.forEach((name, p) -> pids.put(name, p.pid()));
        return pids;
    }

    /** The configuration the services share (each adds its own ports and state directory). */
    public Map<String, String> serviceConfig() {
        return Map.copyOf(config);
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registryUrl;
    }

    public String simUrl() {
        return simUrl;
    }

    public String ingestUrl() {
        return "http://127.0.0.1:" + ingestPort;
    }

    public String apiKey() {
        return apiKey;
    }

    public Path logs() {
        return options.dataDir().resolve("logs");
    }

    private Path log(String name) {
        return logs().resolve(name + ".log");
    }

    private static void writeProperties(Path file, Map<String, String> values) throws IOException {
        Properties props = new Properties();
        props.putAll(values);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "written by sluice chaos");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free local port", e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Services first, then the simulator, registry and broker. */
    @Override
    public void close() {
        List<AutoCloseable> reverse = new ArrayList<>(started);
        java.util.Collections.reverse(reverse);
        for (AutoCloseable c : reverse) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("warning: stopping " + c + " failed: " + e.getMessage());
            }
        }
        started.clear();
    }
}
