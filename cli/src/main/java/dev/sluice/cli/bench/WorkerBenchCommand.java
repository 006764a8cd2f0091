package dev.sluice.cli.bench;

import dev.sluice.cli.LocalStack;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.SimConfig;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench worker}: worker-pool alone against the provider simulator, on a real broker.
 * Per scenario (a simulator latency): a backlog of jobs ({@link WorkerWorkload}) is written to the
 * job topics first, then one WorkerService starts in this JVM; the first {@code --warmup}
 * completions are not counted, and the figure is the next {@code --jobs} completions divided by
 * the time between reading the first and the last of them on the completions topic. As many jobs
 * again as there are slots stay queued behind the measured ones, so every slot is busy to the end.
 * The simulator runs as a separate JVM, so that its CPU and memory are its own (see
 * {@link SimulatorProcess}).
 */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = "Benchmark worker-pool alone against the provider simulator (real broker).")
public final class WorkerBenchCommand implements Callable<Integer> {
    private static final String API_KEY = "sk-sluice-bench";

    enum Scenarios {
        both,
        zero,
        latency
    }

    @Option(
            names = "--scenario",
            defaultValue = "both",
            description =
                    "zero (no provider latency), latency" + " (--latency-ms), or both (default ${DEFAULT-VALUE}).")
    Scenarios scenario;

    @Option(
            names = "--jobs",
            defaultValue = "20000",
            description = "Jobs measured per scenario (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(
            names = "--warmup",
            defaultValue = "30000",
            description = "Jobs completed first and not counted, so that"
                    + " the figure is not the JIT compiler's warm-up (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--latency-ms",
            defaultValue = "1000",
            description = "Simulator latency of the latency scenario (default ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(
            names = "--in-flight",
            defaultValue = "2000",
            description = "worker.max.in.flight, both scenarios (default ${DEFAULT-VALUE}).")
    int inFlight;

    @Option(names = "--tenants", defaultValue = "50", description = "Tenants (default ${DEFAULT-VALUE}).")
    int tenants;

    @Option(
            names = "--set",
            split = ",",
            description = "A worker setting over the benchmark's own, KEY=VALUE;"
                    + " repeatable (for example providers.openai.http.client=jdk).")
    Map<String, String> settings = new LinkedHashMap<>();

    @picocli.CommandLine.Mixin
    BenchOutput output = new BenchOutput();

    @Override
    public Integer call() throws Exception {
        if (jobs < 1 || warmup < 1 || tenants < 1 || inFlight < 1 || latencyMs < 1) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--jobs, --warmup, --tenants," + " --in-flight and --latency-ms must be at least 1");
        }
        PrintStream err = System.err;
        Path dir = output.directory("worker");
        WorkerBenchReport report = new WorkerBenchReport(tenants);
        try (LocalStack stack = new LocalStack(new LocalStack.Options(
                        dir, LocalStack.Ports.ANY, SimConfig.defaults(), Map.of(), List.of(), Set.of()))
                .start(step -> err.println("sluice: " + step))) {
            if (scenario != Scenarios.latency) {
                report.scenarios.add(run(stack, dir, "zero", "zero latency", 0, err));
            }
            if (scenario != Scenarios.zero) {
                report.scenarios.add(
                        run(stack, dir, "latency", String.format("%,d ms latency", latencyMs), latencyMs, err));
            }
            output.print(report.table(), report.json());
            return 0;
        } finally {
            output.cleanUp(dir);
        }
    }

    private WorkerBenchReport.Scenario run(
            LocalStack stack, Path dir, String tag, String name, long latency, PrintStream err) throws Exception {
        int tail = inFlight;
        int total = warmup + jobs + tail;
        WorkerBenchReport.Scenario s = new WorkerBenchReport.Scenario(name, latency, inFlight, warmup, jobs, tail);
        String run = tag + "-" + Long.toString(System.currentTimeMillis(), 36);
        try (SimulatorProcess sim = SimulatorProcess.start(
                dir.resolve("sim-" + tag),
                List.of(
                        "--latency-ms",
                        Long.toString(latency),
                        "--api-key",
                        API_KEY,
                        "--rpm",
                        "1000000000",
                        "--tpm",
                        "1000000000000"))) {
            err.printf("sluice: %s: %s%n", name, sim);
            WorkerConfig config = workerConfig(stack, sim, "wbench-" + tag + ".");
            TopicCreator.ensure(config.kafka());
            preload(stack, config, run, total, err);
            Readings readings = new Readings(stack, sim, s);
            CompletionReader reader = new CompletionReader(
                    stack.bootstrapServers(),
                    config.kafka().topics().completions(),
                    config.kafka().serdes().results().deserializer(),
                    warmup,
                    jobs,
                    total,
                    readings);
            try (reader) {
                reader.start();
                try (WorkerService worker = new WorkerService(config)) {
                    long started = System.nanoTime();
                    worker.start();
                    long deadline = started + Duration.ofSeconds(120).toNanos();
                    while (!worker.ready()) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("worker-pool not ready after 120 s: "
                                    + worker.health().details());
                        }
                        Thread.sleep(5);
                    }
                    s.startSeconds = (System.nanoTime() - started) / 1e9;
                    err.printf(
                            "sluice: %s: worker ready after %.1f s; %,d warm-up jobs first%n",
                            name, s.startSeconds, warmup);
                    watch(worker, reader, s, total, err);
                }
            }
            reader.fill(s);
            // The reader's thread is the benchmark's, not the worker's.
            s.workerCpuCores = readings.processCores - s.readerCpuCores;
            return s;
        }
    }

    private WorkerConfig workerConfig(LocalStack stack, SimulatorProcess sim, String prefix) {
        Map<String, String> c = new HashMap<>(stack.serviceConfig());
        c.put("topics.prefix", prefix);
        c.put("providers.names", "openai");
        c.put("providers.openai.base.url", sim.baseUrl());
        c.put("providers.openai.api.key", API_KEY);
        c.put("worker.max.in.flight", Integer.toString(inFlight));
        c.putAll(settings);
        return Settings.read(ConfigSource.of(c), WorkerConfig::read);
    }

    private void preload(LocalStack stack, WorkerConfig config, String run, int total, PrintStream err) {
        Topics topics = config.kafka().topics();
        SluiceSerdes serdes = config.kafka().serdes();
        WorkerWorkload workload = new WorkerWorkload(tenants, 42, run, topics, ModelCatalogue.loadDefault());
        long t0 = System.nanoTime();
        AtomicReference<Exception> failed = new AtomicReference<>();
        Callback check = (metadata, e) -> {
            if (e != null) {
                failed.compareAndSet(null, e);
            }
        };
        try (KafkaProducer<String, byte[]> producer = PreloadProducer.create(stack.bootstrapServers())) {
            for (TenantConfig t : workload.tenants()) {
                producer.send(
                        new ProducerRecord<>(
                                topics.tenants(),
                                t.tenantId(),
                                serdes.tenants().serializer().serialize(topics.tenants(), t)),
                        check);
            }
            for (int i = 0; i < total; i++) {
                WorkerWorkload.Queued q = workload.next();
                producer.send(
                        new ProducerRecord<>(
                                q.topic(),
                                q.job().requestId(),
                                serdes.jobs().serializer().serialize(q.topic(), q.job())),
                        check);
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException(
                    "the broker did not take every job of the backlog: "
                            + failed.get().getMessage(),
                    failed.get());
        }
        err.printf(
                "sluice: wrote %,d jobs (%,d warm-up, %,d measured, %,d behind) to %sjobs.* in %.1f s%n",
                total, warmup, jobs, total - warmup - jobs, topics.prefix(), (System.nanoTime() - t0) / 1e9);
    }

    /** Samples the worker's in-flight count while the measured share runs, and reports progress. */
    private static void watch(
            WorkerService worker, CompletionReader reader, WorkerBenchReport.Scenario s, int total, PrintStream err)
            throws InterruptedException {
        long start = System.nanoTime();
        long lastPrint = start;
        long sum = 0;
        long samples = 0;
        while (!reader.done()) {
            Thread.sleep(100);
            int inFlight = ((Number) worker.health().details().getOrDefault("inFlight", 0)).intValue();
            if (reader.windowOpen()) {
                sum += inFlight;
                samples++;
                s.inFlightMax = Math.max(s.inFlightMax, inFlight);
            }
            long now = System.nanoTime();
            if (now - lastPrint > 5_000_000_000L) {
                lastPrint = now;
                err.printf(
                        "sluice: %5.1f s  %,d of %,d completed, %,d in flight%s%n",
                        (now - start) / 1e9,
                        reader.count(),
                        total,
                        inFlight,
                        reader.windowOpen() ? " (measuring)" : "");
            }
            if (now - reader.lastReadNanos() > Duration.ofSeconds(120).toNanos()) {
                throw new IllegalStateException("no completion for 120 s after " + reader.count() + " of " + total
                        + "; worker health " + worker.health() + ". A job that became a dead letter never completes:"
                        + " see the dead-letters topic and the log");
            }
        }
        if (reader.failure() != null) {
            throw new IllegalStateException("reading completions failed: " + reader.failure(), reader.failure());
        }
        if (!reader.windowClosed()) {
            throw new IllegalStateException("the completion reader stopped after " + reader.count() + " of " + total);
        }
        s.inFlightMean = samples == 0 ? 0 : (double) sum / samples;
    }

    /** CPU and memory readings at the two ends of the measured share, taken on the reader's thread. */
    private static final class Readings implements CompletionReader.Window {
        private final LocalStack stack;
        private final SimulatorProcess sim;
        private final WorkerBenchReport.Scenario s;
        private final long self = ProcessHandle.current().pid();
        private long wall;
        private long cpu;
        private MachineCpu machine;
        private Duration brokerCpu;
        private Duration simCpu;
        private boolean peaksReset;
        double processCores;

        Readings(LocalStack stack, SimulatorProcess sim, WorkerBenchReport.Scenario s) {
            this.stack = stack;
            this.sim = sim;
            this.s = s;
        }

        @Override
        public void open() {
            peaksReset = ProcessMemory.resetPeak(self)
                    & ProcessMemory.resetPeak(sim.pid())
                    & ProcessMemory.resetPeak(stack.broker().pid());
            wall = System.nanoTime();
            machine = MachineCpu.read();
            cpu = processCpuNanos();
            brokerCpu = stack.broker().cpuTime();
            simCpu = sim.cpuTime();
        }

        @Override
        public void close() {
            double seconds = (System.nanoTime() - wall) / 1e9;
            processCores = (processCpuNanos() - cpu) / 1e9 / seconds;
            s.machineBusyCores = MachineCpu.read()
                    .busyCoresSince(machine, Runtime.getRuntime().availableProcessors());
            s.brokerCpuCores = stack.broker().cpuTime().minus(brokerCpu).toNanos() / 1e9 / seconds;
            s.simCpuCores = sim.cpuTime().minus(simCpu).toNanos() / 1e9 / seconds;
            s.peaksOfMeasuredShare = peaksReset;
            s.workerPeakRssBytes = ProcessMemory.peakRss(self);
            s.simPeakRssBytes = ProcessMemory.peakRss(sim.pid());
            s.brokerPeakRssBytes = ProcessMemory.peakRss(stack.broker().pid());
            // After the measured share, so its pause is not in the figures; the jobs behind it still
            // fill every slot. G1 collects its old generation rarely, so heap in use after an
            // ordinary collection says more about its pacing than about what the worker keeps.
            System.gc();
            s.workerLiveHeapBytes =
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        private static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }
}
