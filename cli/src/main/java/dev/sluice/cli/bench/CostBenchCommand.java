package dev.sluice.cli.bench;

import dev.sluice.cli.LocalStack;
import dev.sluice.cli.TopicReader;
import dev.sluice.cli.eval.EvalLoop;
import dev.sluice.cli.eval.EvalReport;
import dev.sluice.cli.eval.EvalSuite;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.SimConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench cost}: the reference workload ({@link CostWorkload}) through the whole
 * pipeline on this machine three times, naive, as configured, and configured with a routing
 * policy from an eval of the workload's task categories (run on the same stack first), with the
 * provider simulator at zero latency and two-second batches. Prints spend by basis, model and
 * kind of job for each run, the ratios, a lower bound ({@link CostReport#lowerBound}), and whether
 * the ledger is exact: the results' costs, the cost events and the spend ledger on llm.spend agree
 * to the micro-dollar.
 */
@Command(
        name = "cost",
        mixinStandardHelpOptions = true,
        description = "Spend of a reference workload, naive, as configured, and routed by an eval's policy, on the"
                + " whole pipeline.")
public final class CostBenchCommand implements Callable<Integer> {
    @Option(names = "--jobs", defaultValue = "10000", description = "Jobs per run (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the workload (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--timeout",
            defaultValue = "900",
            description = "Longest wait for a run's results, seconds" + " (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(
            names = "--semantic",
            defaultValue = "false",
            arity = "1",
            description = "Whether the configured run's"
                    + " tenants also use the semantic cache (default ${DEFAULT-VALUE}: on this workload it costs more than it"
                    + " saves, docs/benchmarks.md).")
    boolean semantic;

    @picocli.CommandLine.Mixin
    BenchOutput output = new BenchOutput();

    @Override
    public Integer call() throws Exception {
        if (jobs < 20) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--jobs must be at least 20");
        }
        PrintStream err = System.err;
        Path dir = output.directory("cost");
        String run = Long.toString(System.currentTimeMillis(), 36);
        CostWorkload workload = new CostWorkload(jobs, seed, run);
        SimConfig sim = SimConfig.defaults()
                .withLatency(Duration.ZERO, Duration.ZERO)
                .withBatchProcessingTime(Duration.ofSeconds(2));
        Map<String, String> overrides = Map.of(
                "worker.batch.max.age",
                "2s",
                "worker.batch.poll.interval",
                "500ms",
                "worker.batch.poll.max.interval",
                "1s");
        try (LocalStack stack = new LocalStack(
                        new LocalStack.Options(dir, LocalStack.Ports.ANY, sim, overrides, List.of()))
                .start(step -> err.println("sluice: " + step))) {
            return measure(stack, workload, run, err);
        } finally {
            output.cleanUp(dir);
        }
    }

    private int measure(LocalStack stack, CostWorkload workload, String run, PrintStream err) throws Exception {
        Topics topics = new Topics(Topics.DEFAULT_PREFIX);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(stack.registryUrl()));
        Map<CostWorkload.Mode, Map<String, LlmResult>> results = new java.util.EnumMap<>(CostWorkload.Mode.class);
        for (CostWorkload.Mode mode : List.of(CostWorkload.Mode.NAIVE, CostWorkload.Mode.CONFIGURED)) {
            err.println("sluice: " + mode.label() + " run of " + jobs + " jobs");
            results.put(mode, runOnce(stack, topics, serdes, workload, run, mode, Map.of(), err));
        }
        Map<CostWorkload.Provider, TenantConfig.RoutingPolicy> policies = policies(stack, topics, serdes, run, err);
        err.println("sluice: policy run of " + jobs + " jobs");
        results.put(
                CostWorkload.Mode.POLICY,
                runOnce(stack, topics, serdes, workload, run, CostWorkload.Mode.POLICY, policies, err));
        Map<String, Map<String, String>> chosen = new java.util.TreeMap<>();
        policies.forEach(
                (provider, policy) -> chosen.put(provider.name().toLowerCase(java.util.Locale.ROOT), policy.models()));
        // llm.spend is written a commit or two after the last cost event: read until it agrees, or for 15 s.
        CostReport report;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        do {
            List<CostEvent> costs = new ArrayList<>();
            Map<String, Long> spend = new HashMap<>();
            readLedger(stack.bootstrapServers(), topics, serdes, run, costs, spend);
            report = CostReport.of(workload, run, results, costs, spend, ModelCatalogue.loadDefault(), chosen);
        } while (!report.ledgerExact() && System.nanoTime() < deadline && pause());
        output.print(report.table(), report.json());
        return report.complete() && report.ledgerExact() ? 0 : 1;
    }

    /** The eval the policy run routes by: the workload's task categories on every model, at {@link #POLICY_BAR}. */
    private Map<CostWorkload.Provider, TenantConfig.RoutingPolicy> policies(
            LocalStack stack, Topics topics, SluiceSerdes serdes, String run, PrintStream err) throws Exception {
        EvalSuite suite;
        try (java.io.InputStream in = CostBenchCommand.class.getResourceAsStream("cost-categories.yaml")) {
            suite = EvalSuite.fromYaml(
                    new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
                    "cost-bench-categories",
                    "cost-categories.yaml");
        }
        String tenant = "cost-" + run + "-eval";
        try (KafkaProducer<String, byte[]> producer = PreloadProducer.create(stack.bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                            topics.tenants(),
                            tenant,
                            serdes.tenants()
                                    .serializer()
                                    .serialize(
                                            topics.tenants(),
                                            TenantConfig.basic(tenant, TenantConfig.Webhooks.NONE, Instant.now()))))
                    .get();
        }
        List<String> models = new ArrayList<>();
        for (CostWorkload.Provider provider : CostWorkload.Provider.values()) {
            models.addAll(provider.models);
        }
        err.println("sluice: eval of the task categories (" + suite.cases().size() + " cases) on " + models);
        EvalReport report = EvalLoop.run(
                suite,
                run + "-eval",
                tenant,
                models,
                stack.bootstrapServers(),
                topics,
                serdes,
                Duration.ofSeconds(timeoutSeconds));
        Map<CostWorkload.Provider, TenantConfig.RoutingPolicy> out =
                new java.util.EnumMap<>(CostWorkload.Provider.class);
        for (CostWorkload.Provider provider : CostWorkload.Provider.values()) {
            err.print(EvalLoop.policyTable(report, POLICY_BAR, POLICY_MIN_CASES, provider.models));
            out.put(provider, EvalLoop.policy(report, POLICY_BAR, POLICY_MIN_CASES, provider.models));
        }
        return out;
    }

    /** The pass rate the policy run's models must meet in a category, and the cases it needs. */
    static final double POLICY_BAR = 0.85;

    static final int POLICY_MIN_CASES = 10;

    private Map<String, LlmResult> runOnce(
            LocalStack stack,
            Topics topics,
            SluiceSerdes serdes,
            CostWorkload workload,
            String run,
            CostWorkload.Mode mode,
            Map<CostWorkload.Provider, TenantConfig.RoutingPolicy> policies,
            PrintStream err)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = PreloadProducer.create(stack.bootstrapServers());
                TopicReader reader = new TopicReader(stack.bootstrapServers())) {
            KafkaConsumer<String, byte[]> results = reader.consumer();
            List<TopicPartition> partitions = reader.partitions(topics.results());
            results.assign(partitions);
            results.seekToEnd(partitions);
            partitions.forEach(results::position);
            for (CostWorkload.Provider provider : CostWorkload.Provider.values()) {
                TenantConfig tenant = CostWorkload.tenant(run, mode, provider, semantic, policies.get(provider));
                producer.send(new ProducerRecord<>(
                                topics.tenants(),
                                tenant.tenantId(),
                                serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                        .get();
            }
            awaitTenantsKnown(producer, results, topics, serdes, run, mode);
            Instant now = Instant.now();
            Map<String, LlmResult> seen = new HashMap<>();
            for (CostWorkload.Job job : workload.jobs()) {
                LlmRequest r = workload.request(job, run, mode, now);
                producer.send(new ProducerRecord<>(
                        topics.requests(),
                        r.tenantId(),
                        serdes.requests().serializer().serialize(topics.requests(), r)));
            }
            producer.flush();
            long start = System.nanoTime();
            long deadline = start + Duration.ofSeconds(timeoutSeconds).toNanos();
            long lastPrint = start;
            String prefix = mode.prefix(run);
            while (seen.size() < workload.jobs().size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> rec : results.poll(Duration.ofMillis(200))) {
                    LlmResult r = serdes.results().deserializer().deserialize(rec.topic(), rec.value());
                    if (r.requestId().startsWith(prefix)) {
                        seen.put(r.requestId(), r);
                    }
                }
                if (System.nanoTime() - lastPrint > 5_000_000_000L) {
                    lastPrint = System.nanoTime();
                    err.printf(
                            "sluice: %5.1f s  results %d of %d%n",
                            (lastPrint - start) / 1e9,
                            seen.size(),
                            workload.jobs().size());
                }
            }
            err.printf(
                    "sluice: %d of %d results in %.1f s%n",
                    seen.size(), workload.jobs().size(), (System.nanoTime() - start) / 1e9);
            return seen;
        }
    }

    /**
     * Sends each tenant a request with no messages until the router answers it EMPTY_MESSAGES
     * rather than TENANT_UNKNOWN: then the router has read the tenant, and the run can start.
     * Such a request costs nothing.
     */
    private static void awaitTenantsKnown(
            KafkaProducer<String, byte[]> producer,
            KafkaConsumer<String, byte[]> results,
            Topics topics,
            SluiceSerdes serdes,
            String run,
            CostWorkload.Mode mode)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (CostWorkload.Provider provider : CostWorkload.Provider.values()) {
            String tenant = CostWorkload.tenantId(run, mode, provider);
            for (int attempt = 0; ; attempt++) {
                String id = tenant + "-probe-" + attempt;
                producer.send(new ProducerRecord<>(
                                topics.requests(),
                                tenant,
                                serdes.requests()
                                        .serializer()
                                        .serialize(
                                                topics.requests(),
                                                new LlmRequest(
                                                        id,
                                                        tenant,
                                                        null,
                                                        null,
                                                        null,
                                                        null,
                                                        null,
                                                        null,
                                                        List.of(),
                                                        16,
                                                        null,
                                                        null,
                                                        null,
                                                        Map.of(),
                                                        Instant.now()))))
                        .get();
                String reason = null;
                while (reason == null && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> rec : results.poll(Duration.ofMillis(100))) {
                        LlmResult r = serdes.results().deserializer().deserialize(rec.topic(), rec.value());
                        if (r.requestId().equals(id)) {
                            reason = r.error() == null ? "NONE" : r.error().code();
                        }
                    }
                }
                if (!"TENANT_UNKNOWN".equals(reason) || System.nanoTime() > deadline) {
                    break;
                }
            }
        }
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(500);
        return true;
    }

    /** Every cost event of this run's tenants, and the spend ledger's latest total per tenant and period. */
    private static void readLedger(
            String bootstrap,
            Topics topics,
            SluiceSerdes serdes,
            String run,
            List<CostEvent> costs,
            Map<String, Long> spend) {
        String tenants = "cost-" + run + "-";
        try (TopicReader reader = new TopicReader(bootstrap)) {
            reader.readAll(reader.partitions(topics.costEvents()), rec -> {
                CostEvent e = serdes.costEvents().deserializer().deserialize(rec.topic(), rec.value());
                if (e.tenantId().startsWith(tenants)) {
                    costs.add(e);
                }
            });
            reader.readAll(reader.partitions(topics.spend()), rec -> {
                if (rec.key() != null && rec.key().startsWith(tenants) && rec.value() != null) {
                    spend.put(
                            rec.key(),
                            serdes.spend()
                                    .deserializer()
                                    .deserialize(rec.topic(), rec.value())
                                    .spentMicros());
                }
            });
        }
    }
}
