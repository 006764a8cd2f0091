package dev.sluice.cli.bench;

import dev.sluice.cli.chaos.ProcessStack;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench pipeline}: the whole pipeline on this machine, each part a process of its own
 * ({@link ProcessStack}), set against Kafka's own ceiling on the same broker. In one run: the
 * ceiling ({@link KafkaCeiling}); a warm-up burst, not counted; a burst of jobs produced straight to
 * {@code llm.requests} at once, timed from the first send to the last result readable; then jobs at
 * each steady offered rate. For each share it reports jobs/s, the records each job wrote on every
 * topic, per-stage percentiles from the moments each result carries, and CPU and memory per process.
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description = "Benchmark the whole pipeline against Kafka's own ceiling on the same broker.")
public final class PipelineBenchCommand implements Callable<Integer> {
    static final String CEILING_TOPIC = "bench.ceiling";

    @Option(
            names = "--jobs",
            defaultValue = "20000",
            description = "Jobs in the measured burst (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(
            names = "--warmup",
            defaultValue = "20000",
            description = "Jobs of a first burst, not counted, so"
                    + " that the figures are not the JIT compilers' warm-up (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--rates",
            split = ",",
            defaultValue = "500,1000",
            description = "Steady offered rates in"
                    + " jobs/s, one share each after the burst; 0 for none (default ${DEFAULT-VALUE}).")
    List<Integer> rates;

    @Option(
            names = "--steady-seconds",
            defaultValue = "30",
            description = "Length of each steady share; its"
                    + " first 5 s (or fifth, if shorter) are not counted (default ${DEFAULT-VALUE}).")
    int steadySeconds;

    @Option(
            names = "--ceiling-records",
            defaultValue = "500000",
            description = "Records of Kafka's own ceiling" + " (default ${DEFAULT-VALUE}).")
    int ceilingRecords;

    @Option(
            names = "--ceiling-bytes",
            defaultValue = "500",
            description = "Bytes per record of the ceiling" + " (default ${DEFAULT-VALUE}).")
    int ceilingBytes;

    @Option(
            names = "--tenants",
            defaultValue = "12",
            description = "Tenants, spread evenly over the tenant" + " partitions (default ${DEFAULT-VALUE}).")
    int tenants;

    @Option(
            names = "--budget-micros",
            description = "Give every tenant a daily and a monthly budget of this many"
                    + " micro-dollars, so the router reserves and settles each job against its totals (default: no"
                    + " budgets).")
    Long budgetMicros;

    @Option(
            names = "--sim-latency-ms",
            defaultValue = "0",
            description = "The provider simulator's latency per" + " call (default ${DEFAULT-VALUE}).")
    int simLatencyMs;

    @Option(
            names = "--service-heap-mb",
            defaultValue = "512",
            description = "Heap of each service's JVM (default" + " ${DEFAULT-VALUE}).")
    int serviceHeapMb;

    @Option(
            names = "--c1",
            description = "Run the services' JVMs with C1 only, as sluice chaos and the demo do"
                    + " (default: C2, as in production).")
    boolean c1;

    @Option(
            names = "--service-jvm",
            description = "A JVM option for each service, instead of the serial collector;"
                    + " repeatable (-XX:+UseG1GC...).")
    List<String> serviceJvm = new ArrayList<>();

    @Option(
            names = "--set",
            split = ",",
            description = "A service setting over the benchmark's own, KEY=VALUE;" + " repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--jfr",
            description = "Record each service's JVM with Java Flight Recorder (profile settings)"
                    + " over each measured share, into DIR/<share>-<service>.jfr.")
    Path jfr;

    @picocli.CommandLine.Mixin
    BenchOutput output = new BenchOutput();

    @Override
    public Integer call() throws Exception {
        if (jobs < 1
                || warmup < 0
                || steadySeconds < 1
                || ceilingRecords < 1
                || ceilingBytes < 1
                || tenants < 1
                || budgetMicros != null && budgetMicros < 1
                || simLatencyMs < 0
                || serviceHeapMb < 128
                || rates.stream().anyMatch(r -> r < 0)) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this),
                    "--jobs, --steady-seconds,"
                            + " --ceiling-records, --ceiling-bytes, --tenants and --budget-micros must be at least 1, --warmup,"
                            + " --rates and --sim-latency-ms at least 0, --service-heap-mb at least 128");
        }
        PrintStream err = System.err;
        Path dir = output.directory("pipeline");
        String run = "pb" + Long.toString(System.currentTimeMillis(), 36) + "-";
        PipelineReport report = new PipelineReport(
                jobs,
                warmup,
                simLatencyMs,
                (c1 ? "C1" : "C2") + (serviceJvm.isEmpty() ? ", serial GC" : " " + String.join(" ", serviceJvm)),
                serviceHeapMb);
        try {
            Map<String, String> overrides = new HashMap<>(settings);
            int partitions = overrides.containsKey("topics.tenant.partitions")
                    ? Integer.parseInt(overrides.get("topics.tenant.partitions"))
                    : ProcessStack.TENANT_PARTITIONS;
            List<String> tenantIds = tenantsOverPartitions(tenants, partitions);
            List<String> jvm = new ArrayList<>(serviceJvm.isEmpty() ? List.of("-XX:+UseSerialGC") : serviceJvm);
            if (c1) {
                jvm.add("-XX:TieredStopAtLevel=1");
            }
            TenantConfig.Limits limits =
                    budgetMicros == null ? null : new TenantConfig.Limits(null, null, budgetMicros, budgetMicros, null);
            try (ProcessStack stack = new ProcessStack(new ProcessStack.Options(
                                    dir, simLatencyMs, overrides, jvm, serviceHeapMb, tenantIds, limits))
                            .start(step -> err.println("sluice: " + step));
                    Admin admin = Admin.create(
                            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
                report.settings = new java.util.TreeMap<>(settings);
                report.budgetMicros = budgetMicros;
                Map<String, Long> pids = new LinkedHashMap<>(stack.pids());
                pids.put("bench (load, reader)", ProcessHandle.current().pid());
                KafkaSettings kafka = KafkaSettings.read(new Settings(ConfigSource.of(stack.serviceConfig())));
                Map<String, Object> producerSettings = ClientProps.producer(kafka, "bench-load");

                err.printf(
                        "sluice: Kafka's own ceiling: %,d records of %d B, producer then consumer%n",
                        ceilingRecords, ceilingBytes);
                report.ceiling = KafkaCeiling.measure(
                        stack.bootstrapServers(),
                        producerSettings,
                        CEILING_TOPIC,
                        partitions,
                        ceilingRecords,
                        ceilingBytes);

                Topics topics = kafka.topics();
                SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(stack.registryUrl()));
                try (ResultClock clock = new ResultClock(
                                stack.bootstrapServers(),
                                topics.results(),
                                serdes.results().deserializer(),
                                run);
                        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerSettings)) {
                    Load load = new Load(producer, topics, serdes, tenantIds, run);
                    load.send("first", 1);
                    producer.flush();
                    clock.await(1, Duration.ofSeconds(120), n -> err.println("sluice: waiting for the first result"));
                    if (warmup > 0) {
                        err.printf("sluice: warm-up burst of %,d jobs (not counted)%n", warmup);
                        load.send("w", warmup);
                        clock.await(
                                1 + warmup,
                                Duration.ofSeconds(120),
                                n -> err.printf("sluice:   %,d of %,d results%n", n - 1, warmup));
                    }
                    long done = clock.count();
                    settle(admin);
                    err.printf("sluice: burst of %,d jobs%n", jobs);
                    Recorder recorder = new Recorder(jfr, stack.pids());
                    report.burst = share(
                            admin,
                            pids,
                            clock,
                            run + "b-",
                            recorder,
                            "burst",
                            () -> {
                                load.send("b", jobs);
                                return jobs;
                            },
                            done + jobs,
                            err);
                    done = clock.count();
                    for (int rate : rates) {
                        if (rate == 0) {
                            continue;
                        }
                        int count = rate * steadySeconds;
                        err.printf("sluice: steady %,d jobs/s for %d s%n", rate, steadySeconds);
                        String phase = "s" + rate;
                        PipelineReport.Share s = share(
                                admin,
                                pids,
                                clock,
                                run + phase + "-",
                                recorder,
                                "steady-" + rate,
                                () -> {
                                    load.paced(phase, rate, count);
                                    return count;
                                },
                                done + count,
                                err);
                        s.rate = rate;
                        s.countFromMillis = Math.min(5_000, steadySeconds * 200L);
                        report.steady.add(s);
                        done = clock.count();
                    }
                }
            }
            output.print(report.table(), report.json());
            return 0;
        } finally {
            output.cleanUp(dir);
        }
    }

    /**
     * Sends a share's jobs, waits for all their results and for the pipeline to go quiet, and measures
     * it. Its results are those whose requestId starts with {@code idPrefix}.
     */
    private static PipelineReport.Share share(
            Admin admin,
            Map<String, Long> pids,
            ResultClock clock,
            String idPrefix,
            Recorder recorder,
            String name,
            Callable<Integer> send,
            long target,
            PrintStream err)
            throws Exception {
        Map<String, Long> before = TopicTally.endOffsets(admin);
        recorder.start();
        ProcessMeter meter = ProcessMeter.start(pids);
        long t0 = System.currentTimeMillis();
        int sent = send.call();
        clock.await(target, Duration.ofSeconds(120), n -> err.printf("sluice:   %,d results read%n", n));
        ProcessMeter.Result cpu = meter.stop();
        recorder.stop(name);
        Map<String, Long> after = settle(admin);
        PipelineReport.Share s =
                new PipelineReport.Share(sent, t0, clock.of(idPrefix), cpu, TopicTally.delta(before, after));
        err.printf("sluice:   %,.0f jobs/s, %.1f records per job%n", s.jobsPerSecond(), s.recordsPerJob());
        return s;
    }

    /**
     * Waits until no topic but the broker's own grows for a second (the last statuses, changelogs and
     * markers of a share are written after its results), and returns every topic's end offsets then.
     */
    private static Map<String, Long> settle(Admin admin) throws Exception {
        long last = -1;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<String, Long> offsets = TopicTally.endOffsets(admin);
            long sum = offsets.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("__"))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            if (sum == last || System.nanoTime() >= deadline) {
                return offsets;
            }
            last = sum;
            Thread.sleep(1_000);
        }
    }

    /**
     * Flight recordings of the services over a share, with {@code jcmd}: started as the share
     * starts, stopped (and written) once its last result is read; none without {@code --jfr}.
     */
    private record Recorder(Path dir, Map<String, Long> pids) {
        private static final List<String> SERVICES = PipelineReport.SERVICES;

        void start() throws Exception {
            if (dir != null) {
                java.nio.file.Files.createDirectories(dir);
                for (String s : SERVICES) {
                    jcmd(pids.get(s), "JFR.start", "name=bench", "settings=profile");
                }
            }
        }

        void stop(String share) throws Exception {
            if (dir != null) {
                for (String s : SERVICES) {
                    jcmd(
                            pids.get(s),
                            "JFR.stop",
                            "name=bench",
                            "filename=" + dir.toAbsolutePath().resolve(share + "-" + s + ".jfr"));
                }
            }
        }

        private static void jcmd(Long pid, String... command) throws Exception {
            if (pid == null || pid < 0) {
                return;
            }
            List<String> line = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
            line.addAll(List.of(command));
            Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                System.err.println("sluice: jcmd " + String.join(" ", command) + " failed: " + out.strip());
            }
        }
    }

    /** {@code count} tenant ids, as many on each tenant partition as the count allows (Kafka's default partitioner). */
    static List<String> tenantsOverPartitions(int count, int partitions) {
        List<String> chosen = new ArrayList<>();
        int[] per = new int[partitions];
        int perPartition = (count + partitions - 1) / partitions;
        for (int i = 0; chosen.size() < count; i++) {
            String id = "bench-" + i;
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
            if (per[p] < perPartition) {
                per[p]++;
                chosen.add(id);
            }
        }
        return chosen;
    }

    /** Requests produced straight to llm.requests keyed by tenant, each prompt unique (no cache hit). */
    private static final class Load {
        private final KafkaProducer<String, byte[]> producer;
        private final Topics topics;
        private final SluiceSerdes serdes;
        private final List<String> tenants;
        private final String run;
        private final AtomicReference<Exception> failed = new AtomicReference<>();
        private long n;

        Load(
                KafkaProducer<String, byte[]> producer,
                Topics topics,
                SluiceSerdes serdes,
                List<String> tenants,
                String run) {
            this.producer = producer;
            this.topics = topics;
            this.serdes = serdes;
            this.tenants = tenants;
            this.run = run;
        }

        void send(String phase, int count) {
            for (int i = 0; i < count; i++) {
                one(phase, i);
            }
            producer.flush();
            check();
        }

        /** {@code count} jobs at {@code rate} a second, sent in 1 ms ticks. */
        void paced(String phase, int rate, int count) throws InterruptedException {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) {
                    Thread.sleep(wait / 1_000_000);
                }
                one(phase, i);
            }
            producer.flush();
            check();
        }

        private void one(String phase, int i) {
            long k = n++;
            String tenant = tenants.get((int) (k % tenants.size()));
            String prompt = "Run " + run + " job " + phase + "-" + i + ". Summarise this support ticket in three"
                    + " short lines for the on-call engineer: the customer reports that invoices generated after"
                    + " the last release show the wrong currency for accounts in Switzerland and Norway, and"
                    + " that the totals are rounded to whole units. Say what to check first.";
            LlmRequest r = LlmRequest.of(run + phase + "-" + i, tenant, prompt, Instant.now());
            producer.send(
                    new ProducerRecord<>(
                            topics.requests(),
                            tenant,
                            serdes.requests().serializer().serialize(topics.requests(), r)),
                    (meta, e) -> {
                        if (e != null) {
                            failed.compareAndSet(null, e);
                        }
                    });
        }

        private void check() {
            if (failed.get() != null) {
                throw new IllegalStateException("a request could not be sent: " + failed.get(), failed.get());
            }
        }
    }
}
