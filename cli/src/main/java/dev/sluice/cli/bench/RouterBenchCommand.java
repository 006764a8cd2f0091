package dev.sluice.cli.bench;

import dev.sluice.cli.LocalStack;
import dev.sluice.cli.Percentiles;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench router}: router-stream alone, every step on, against a real broker under
 * exactly_once_v2. Two measurements. Throughput: a backlog of requests ({@link RouterWorkload})
 * is written to llm.requests first, then the router starts; it works through the warm-up share
 * uncounted, and the figure is the measured share divided by the time from the end of the
 * warm-up until the router has processed every request (both sub-topologies) and committed its
 * input offsets. Latency: requests sent at a fixed rate to the running router,
 * timed from the send until their QUEUED event or completion is readable (read_committed).
 */
@Command(
        name = "router",
        mixinStandardHelpOptions = true,
        description = "Benchmark router-stream alone (every step on, real broker, exactly-once).")
public final class RouterBenchCommand implements Callable<Integer> {

    @Option(
            names = "--requests",
            defaultValue = "100000",
            description = "Requests measured (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--warmup",
            defaultValue = "100000",
            description = "Requests processed first and not counted,"
                    + " so that the figure is not the JIT compiler's warm-up (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--tenants", defaultValue = "60", description = "Tenants (default ${DEFAULT-VALUE}).")
    int tenants;

    @Option(
            names = "--rate",
            defaultValue = "1000",
            description = "Requests/s of the latency run; 0 skips it (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(
            names = "--latency-seconds",
            defaultValue = "15",
            description = "Length of the latency run (default ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--threads", defaultValue = "1", description = "router.stream.threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--semantic-share",
            defaultValue = "0",
            description =
                    "Share of the tenants with the semantic"
                            + " cache on, 0 to 1 (default ${DEFAULT-VALUE}); the latency run then reports them and the others apart.")
    double semanticShare;

    @Option(
            names = "--embed-threads",
            defaultValue = "1",
            description = "router.semantic.embed.threads: threads"
                    + " that embed semantic-cache requests ahead of the stream threads; 0 embeds on them (default"
                    + " ${DEFAULT-VALUE}).")
    int embedThreads;

    @Option(
            names = "--semantic-embedder",
            defaultValue = "in-process",
            description = "Where the semantic"
                    + " tenants' vectors come from: in-process, or openai (the provider simulator's /v1/embeddings, started"
                    + " in this JVM) (default ${DEFAULT-VALUE}).")
    String semanticEmbedder;

    @Option(
            names = "--embeddings-latency",
            defaultValue = "0ms",
            converter = dev.sluice.cli.DurationConverter.class,
            description = "The simulator's latency per embeddings call with --semantic-embedder openai (default"
                    + " ${DEFAULT-VALUE}).")
    Duration embeddingsLatency;

    @picocli.CommandLine.Mixin
    BenchOutput output = new BenchOutput();

    @Override
    public Integer call() throws Exception {
        if (requests < 1
                || tenants < 1
                || rate < 0
                || warmup < 0
                || latencySeconds < 1
                || threads < 1
                || embedThreads < 0
                || !(semanticShare >= 0 && semanticShare <= 1)
                || !TenantConfig.CachePolicy.EMBEDDERS.contains(semanticEmbedder)) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this),
                    "--requests, --tenants,"
                            + " --latency-seconds and --threads must be at least 1, --rate, --warmup and --embed-threads at"
                            + " least 0, --semantic-share between 0 and 1, --semantic-embedder one of "
                            + TenantConfig.CachePolicy.EMBEDDERS);
        }
        PrintStream err = System.err;
        Path dir = output.directory("router");
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, String> overrides = new HashMap<>(Map.of(
                "router.stream.threads",
                Integer.toString(threads),
                "router.semantic.embed.threads",
                Integer.toString(embedThreads)));
        try (ProviderSimulator embeddings = semanticEmbedder.equals(TenantConfig.CachePolicy.OPENAI)
                        ? ProviderSimulator.start(SimConfig.defaults().withLatency(embeddingsLatency, Duration.ZERO))
                        : null;
                LocalStack stack = new LocalStack(new LocalStack.Options(
                                dir,
                                LocalStack.Ports.ANY,
                                SimConfig.defaults(),
                                withEmbeddings(overrides, embeddings),
                                List.of(),
                                Set.of()))
                        .start(step -> err.println("sluice: " + step))) {
            Map<String, String> config = stack.serviceConfig();
            Topics topics = new Topics(Topics.DEFAULT_PREFIX);
            SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(stack.registryUrl()));
            RouterWorkload workload = new RouterWorkload(tenants, 42, run, semanticShare, semanticEmbedder);
            BenchReport report = new BenchReport(requests, warmup, tenants, threads);
            report.semanticShare = semanticShare;
            report.embedThreads = embedThreads;
            report.embedder = semanticEmbedder
                    + (embeddings == null ? "" : " (simulator, " + embeddingsLatency.toMillis() + " ms a call)");
            try (KafkaProducer<String, byte[]> producer = PreloadProducer.create(stack.bootstrapServers())) {
                for (TenantConfig t : workload.tenants()) {
                    producer.send(new ProducerRecord<>(
                            topics.tenants(),
                            t.tenantId(),
                            serdes.tenants().serializer().serialize(topics.tenants(), t)));
                }
                err.printf(
                        "sluice: writing %,d warm-up and %,d measured requests to %s%n",
                        warmup, requests, topics.requests());
                long t0 = System.nanoTime();
                // Processed records: one per request, and a second for each re-keyed one (the repartition hop).
                long warmupRecords = write(producer, topics, serdes, workload, warmup);
                long records = write(producer, topics, serdes, workload, requests);
                producer.flush();
                report.loadSeconds = (System.nanoTime() - t0) / 1e9;
                report.rekeyed = records - requests;

                RouterConfig routerConfig = RouterConfig.read(new Settings(ConfigSource.of(config)));
                try (RouterService router = new RouterService(routerConfig);
                        Admin admin = Admin.create(
                                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
                    long started = System.nanoTime();
                    router.start();
                    while (!router.ready()) {
                        Thread.sleep(5);
                    }
                    report.startSeconds = (System.nanoTime() - started) / 1e9;
                    err.printf("sluice: router RUNNING after %.1f s; processing the backlog%n", report.startSeconds);
                    List<Metric> processedMetrics = processedMetrics(router);
                    if (warmupRecords > 0) {
                        err.printf("sluice: warming up with %,d requests (not counted)%n", warmup);
                        awaitProcessed(processedMetrics, warmupRecords, err);
                    }
                    Cpu cpu = Cpu.start(stack);
                    long runStart = System.nanoTime();
                    awaitProcessed(processedMetrics, warmupRecords + records, err);
                    while (!committed(admin, routerConfig.applicationId(), topics.requests())) {
                        Thread.sleep(2);
                    }
                    report.processSeconds = (System.nanoTime() - runStart) / 1e9;
                    cpu.stop(report);
                    err.printf("sluice: backlog done in %.2f s%n", report.processSeconds);
                    if (rate > 0) {
                        latencyRun(stack, topics, serdes, producer, workload, report, err);
                    }
                    report.embeddings = SemanticEmbeddings.scrape(router.opsPort());
                }
                countOutputs(stack.bootstrapServers(), topics, serdes, run, report);
            }
            output.print(report.table(), report.json());
            return 0;
        } finally {
            output.cleanUp(dir);
        }
    }

    private static Map<String, String> withEmbeddings(Map<String, String> overrides, ProviderSimulator sim) {
        if (sim != null) {
            overrides.put("router.semantic.openai.base.url", sim.baseUrl());
            overrides.put("router.semantic.openai.api.key", "sk-sluice-local");
        }
        return overrides;
    }

    private static long write(
            KafkaProducer<String, byte[]> producer,
            Topics topics,
            SluiceSerdes serdes,
            RouterWorkload workload,
            int count) {
        long records = 0;
        for (int i = 0; i < count; i++) {
            RouterWorkload.Keyed k = workload.next();
            records += k.key().equals(k.request().tenantId()) ? 1 : 2;
            producer.send(new ProducerRecord<>(
                    topics.requests(),
                    k.key(),
                    serdes.requests().serializer().serialize(topics.requests(), k.request())));
        }
        return records;
    }

    private static void awaitProcessed(List<Metric> metrics, long target, PrintStream err) throws InterruptedException {
        long start = System.nanoTime();
        long lastPrint = start;
        while (processed(metrics) < target) {
            Thread.sleep(5);
            if (System.nanoTime() - lastPrint > 5_000_000_000L) {
                lastPrint = System.nanoTime();
                err.printf(
                        "sluice: %5.1f s  processed %,d of %,d records%n",
                        (lastPrint - start) / 1e9, (long) processed(metrics), target);
            }
        }
    }

    /** The stream threads' process-total metrics (records processed); found once, read often. */
    private static List<Metric> processedMetrics(RouterService router) {
        List<Metric> found = new ArrayList<>();
        for (Map.Entry<MetricName, ? extends Metric> e :
                router.runner().streams().metrics().entrySet()) {
            MetricName n = e.getKey();
            if (n.name().equals("process-total") && n.group().equals("stream-thread-metrics")) {
                found.add(e.getValue());
            }
        }
        if (found.isEmpty()) {
            throw new IllegalStateException(
                    "no stream-thread process-total metric: cannot tell when the backlog is" + " done");
        }
        return found;
    }

    private static double processed(List<Metric> metrics) {
        return metrics.stream()
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue())
                .sum();
    }

    /** True once the router's committed offsets on the requests topic reach its end. */
    private static boolean committed(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get();
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = offsets.get(e.getKey());
            if (e.getValue().offset() > 0
                    && (c == null || c.offset() < e.getValue().offset())) {
                return false;
            }
        }
        return true;
    }

    private void latencyRun(
            LocalStack stack,
            Topics topics,
            SluiceSerdes serdes,
            KafkaProducer<String, byte[]> producer,
            RouterWorkload workload,
            BenchReport report,
            PrintStream err)
            throws Exception {
        int total = rate * latencySeconds;
        err.printf("sluice: latency run: %,d requests at %,d/s%n", total, rate);
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Boolean> semantic = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Long> semanticLatencies = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        KafkaConsumer<String, byte[]> consumer = consumer(stack.bootstrapServers());
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(topics.jobEvents(), topics.completions())) {
            consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        Thread reader = Thread.ofPlatform().name("bench-reader").start(() -> {
            try {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        String id;
                        if (r.topic().equals(topics.jobEvents())) {
                            JobStatus s = serdes.jobStatus().deserializer().deserialize(r.topic(), r.value());
                            id = s.state() == JobState.QUEUED ? s.requestId() : null;
                        } else {
                            id = serdes.results()
                                    .deserializer()
                                    .deserialize(r.topic(), r.value())
                                    .requestId();
                        }
                        Long at = id == null ? null : sent.remove(id);
                        if (at != null) {
                            (Boolean.TRUE.equals(semantic.remove(id)) ? semanticLatencies : latencies).add(now - at);
                        }
                    }
                }
            } finally {
                consumer.close();
            }
        });
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            RouterWorkload.Keyed k = workload.next();
            if (workload.semantic(k.request().tenantId())) {
                semantic.put(k.request().requestId(), true);
            }
            sent.put(k.request().requestId(), System.nanoTime());
            producer.send(new ProducerRecord<>(
                    topics.requests(),
                    k.key(),
                    serdes.requests().serializer().serialize(topics.requests(), k.request())));
        }
        producer.flush();
        report.latencyOfferedSeconds = (System.nanoTime() - start) / 1e9;
        Thread.sleep(3000);
        running.set(false);
        reader.join(10_000);
        report.latencyRate = rate;
        report.latencySent = total;
        report.latency = Latency.of(latencies);
        report.semanticLatency = Latency.of(semanticLatencies);
    }

    /** Reads what the router wrote for this run's requests: jobs per topic, completions per reason. */
    private static void countOutputs(
            String bootstrap, Topics topics, SluiceSerdes serdes, String run, BenchReport report) {
        List<String> jobTopics = new ArrayList<>();
        for (var tier : Topics.ROUTED_TIERS) {
            for (var priority : dev.sluice.model.Priority.values()) {
                jobTopics.add(topics.job(tier, priority));
            }
        }
        jobTopics.add(topics.jobsBatch());
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : jobTopics) {
                consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
            }
            consumer.partitionsFor(topics.completions())
                    .forEach(p -> parts.add(new TopicPartition(topics.completions(), p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(topics.completions())) {
                        LlmResult result = serdes.results().deserializer().deserialize(r.topic(), r.value());
                        if (run.equals(result.metadata().get("bench"))) {
                            String what = result.error() != null
                                    ? result.error().code()
                                    : result.duplicateOf() != null
                                            ? "DUPLICATE"
                                            : result.status().name();
                            report.completions.merge(what, 1L, Long::sum);
                        }
                    } else {
                        var job = serdes.jobs().deserializer().deserialize(r.topic(), r.value());
                        if (run.equals(job.request().metadata().get("bench"))) {
                            report.jobs.merge(r.topic(), 1L, Long::sum);
                        }
                    }
                }
            }
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5000),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /** CPU used by this JVM (the router and the benchmark's idle polling) and by the broker's. */
    private record Cpu(LocalStack stack, long jvmStart, Duration brokerStart, long wallStart) {
        static Cpu start(LocalStack stack) {
            return new Cpu(stack, jvmCpuNanos(), stack.broker().cpuTime(), System.nanoTime());
        }

        void stop(BenchReport report) {
            double wall = (System.nanoTime() - wallStart) / 1e9;
            report.routerCpuCores = (jvmCpuNanos() - jvmStart) / 1e9 / wall;
            report.brokerCpuCores = stack.broker().cpuTime().minus(brokerStart).toNanos() / 1e9 / wall;
        }

        private static long jvmCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }

    /** Latency percentiles of the requests answered at once in the latency run. */
    record Latency(int answered, double p50Ms, double p99Ms, double maxMs) {
        static Latency of(List<Long> nanos) {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Latency(
                    sorted.length,
                    Percentiles.nearestRank(sorted, 50) / 1e6,
                    Percentiles.nearestRank(sorted, 99) / 1e6,
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
        }

        void into(com.fasterxml.jackson.databind.node.ObjectNode node) {
            node.put("answered", answered)
                    .put("p50Ms", BenchReport.round(p50Ms))
                    .put("p99Ms", BenchReport.round(p99Ms))
                    .put("maxMs", BenchReport.round(maxMs));
        }

        String describe(String whose) {
            return String.format(
                    Locale.ROOT,
                    "p50 %.1f ms   p99 %.1f ms   max %.1f ms   (%,d answered at once%s)",
                    p50Ms,
                    p99Ms,
                    maxMs,
                    answered,
                    whose.isEmpty() ? "" : ", " + whose);
        }
    }

    /** The router's own count of semantic-cache embeddings, from its /metrics. */
    record SemanticEmbeddings(long ahead, long inline, double streamThreadSeconds) {
        static final SemanticEmbeddings NONE = new SemanticEmbeddings(0, 0, 0);

        static SemanticEmbeddings scrape(int opsPort) throws Exception {
            String body = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(
                                            java.net.URI.create("http://localhost:" + opsPort + "/metrics"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
            return new SemanticEmbeddings(
                    (long) sum(body, "_count", "ahead"),
                    (long) sum(body, "_count", "stream_thread"),
                    sum(body, "_sum", "ahead") + sum(body, "_sum", "stream_thread"));
        }

        private static double sum(String metrics, String suffix, String where) {
            return metrics.lines()
                    .filter(l -> l.startsWith("sluice_router_semantic_embed_seconds" + suffix + "{")
                            && l.contains("where=\"" + where + "\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        }
    }

    /** The figures, as a table and as JSON. */
    static final class BenchReport {
        final int requests;
        final int warmup;
        final int tenants;
        final int threads;
        long rekeyed;
        double loadSeconds;
        double startSeconds;
        double processSeconds;
        double routerCpuCores;
        double brokerCpuCores;
        int latencyRate;
        int latencySent;
        double latencyOfferedSeconds;
        /** Requests of tenants without the semantic cache (all, with no semantic share), and those of tenants with it. */
        Latency latency = Latency.of(List.of());

        Latency semanticLatency = Latency.of(List.of());
        double semanticShare;
        int embedThreads;
        String embedder = TenantConfig.CachePolicy.IN_PROCESS;
        SemanticEmbeddings embeddings = SemanticEmbeddings.NONE;
        final Map<String, Long> jobs = new TreeMap<>();
        final Map<String, Long> completions = new TreeMap<>();

        BenchReport(int requests, int warmup, int tenants, int threads) {
            this.requests = requests;
            this.warmup = warmup;
            this.tenants = tenants;
            this.threads = threads;
        }

        double requestsPerSecond() {
            return requests / processSeconds;
        }

        String json() {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            var root = mapper.createObjectNode();
            root.put("requests", requests);
            root.put("warmup", warmup);
            root.put("tenants", tenants);
            root.put("streamThreads", threads);
            root.put("rekeyed", rekeyed);
            root.put("loadSeconds", round(loadSeconds));
            root.put("startSeconds", round(startSeconds));
            root.put("processSeconds", round(processSeconds));
            root.put("requestsPerSecond", Math.round(requestsPerSecond()));
            root.put("routerCpuCores", round(routerCpuCores));
            root.put("brokerCpuCores", round(brokerCpuCores));
            root.put("routerCpuMicrosPerRequest", Math.round(routerCpuCores * 1e6 / requestsPerSecond()));
            root.put("brokerCpuMicrosPerRequest", Math.round(brokerCpuCores * 1e6 / requestsPerSecond()));
            var jobsNode = root.putObject("jobs");
            jobs.forEach(jobsNode::put);
            var completionsNode = root.putObject("completions");
            completions.forEach(completionsNode::put);
            if (latencyRate > 0) {
                var latencyNode =
                        root.putObject("latency").put("rate", latencyRate).put("sent", latencySent);
                latency.into(latencyNode);
                if (semanticShare > 0) {
                    semanticLatency.into(latencyNode.putObject("semanticTenants"));
                }
            }
            if (semanticShare > 0) {
                root.putObject("semantic")
                        .put("share", semanticShare)
                        .put("embedder", embedder)
                        .put("embedThreads", embedThreads)
                        .put("embeddedAhead", embeddings.ahead())
                        .put("embeddedOnStreamThread", embeddings.inline())
                        .put("streamThreadSecondsOnEmbeddings", round(embeddings.streamThreadSeconds()));
            }
            return root.toString();
        }

        String table() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(
                    Locale.ROOT,
                    "%nrouter-stream alone, every step on, exactly_once_v2," + " %d stream thread(s), %d tenants%n%n",
                    threads,
                    tenants));
            sb.append(String.format(
                    Locale.ROOT,
                    "  backlog                %,d requests (%,d re-keyed),"
                            + " after %,d warm-up requests not counted%n",
                    requests,
                    rekeyed,
                    warmup));
            sb.append(String.format(
                    Locale.ROOT,
                    "  processed in           %.2f s   (router start %.1f s" + " not counted)%n",
                    processSeconds,
                    startSeconds));
            sb.append(String.format(Locale.ROOT, "  throughput             %,.0f requests/s%n", requestsPerSecond()));
            sb.append(String.format(
                    Locale.ROOT,
                    "  CPU while processing   router JVM %.2f cores," + " broker %.2f cores%n",
                    routerCpuCores,
                    brokerCpuCores));
            sb.append(String.format(
                    Locale.ROOT,
                    "  CPU per request        router JVM %,.0f µs," + " broker %,.0f µs%n",
                    routerCpuCores * 1e6 / requestsPerSecond(),
                    brokerCpuCores * 1e6 / requestsPerSecond()));
            long routed = jobs.values().stream().mapToLong(Long::longValue).sum();
            long completed =
                    completions.values().stream().mapToLong(Long::longValue).sum();
            long all = (long) warmup + requests + latencySent;
            sb.append(String.format(
                    Locale.ROOT,
                    "  outcomes               of all %,d requests: %,d jobs routed, %,d completed"
                            + " in the router, %,d waiting (duplicates and cache followers of unfinished jobs)%n",
                    all,
                    routed,
                    completed,
                    all - routed - completed));
            jobs.forEach((t, n) -> sb.append(String.format(Locale.ROOT, "    %-26s %,10d%n", t, n)));
            completions.forEach((t, n) -> sb.append(String.format(Locale.ROOT, "    %-26s %,10d%n", t, n)));
            if (latencyRate > 0) {
                sb.append(String.format(
                        Locale.ROOT,
                        "  latency at %,d req/s     %s%n",
                        latencyRate,
                        latency.describe(semanticShare > 0 ? "of tenants without the semantic cache" : "")));
                if (semanticShare > 0) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "                         %s%n",
                            semanticLatency.describe("of tenants with it")));
                }
            }
            if (semanticShare > 0) {
                sb.append(String.format(
                        Locale.ROOT,
                        "  semantic cache         %.0f %% of tenants, embedder %s, %d"
                                + " embed-ahead thread(s): %,d embedded ahead, %,d on the stream thread, %.1f s of"
                                + " stream-thread time on embeddings%n",
                        semanticShare * 100,
                        embedder,
                        embedThreads,
                        embeddings.ahead(),
                        embeddings.inline(),
                        embeddings.streamThreadSeconds()));
            }
            return sb.toString();
        }

        static double round(double v) {
            return Math.round(v * 100) / 100.0;
        }
    }
}
