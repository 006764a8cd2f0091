package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.devstack.webhooks.WebhookReceiver;
import dev.sluice.model.CacheHit;
import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.SimConfig;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: the whole pipeline on this machine. Starts the local stack, registers the
 * demo tenants with a local webhook receiver, submits a mixed workload over HTTP (see
 * {@link DemoWorkload}), follows every job to llm.results and to the receiver (which checks every
 * signature with the Standard Webhooks library), checks each outcome against what its kind of job
 * should come to, and prints what happened.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on this machine and summarise it.")
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelCatalogue CATALOGUE = ModelCatalogue.loadDefault();

    @Option(names = "--jobs", description = "Jobs to submit (default ${DEFAULT-VALUE}).", defaultValue = "200")
    int jobs;

    @Option(names = "--json", description = "Print the summary as one JSON object on stdout.")
    boolean json;

    @Option(
            names = "--timeout",
            description = "Longest wait for results, e.g. 180s (default ${DEFAULT-VALUE}).",
            defaultValue = "180s",
            converter = DurationConverter.class)
    Duration timeout;

    @Option(
            names = "--concurrency",
            description = "Submissions in flight at once (default ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int concurrency;

    @Option(
            names = "--warmup",
            description = "Jobs run first and not counted, so the figures are not the JVMs'"
                    + " warm-up; 0 measures from cold (default ${DEFAULT-VALUE}).",
            defaultValue = "50")
    int warmup;

    @Option(
            names = "--sim-latency-ms",
            description = "Simulated provider latency (default ${DEFAULT-VALUE}).",
            defaultValue = "100")
    int simLatencyMs;

    @Mixin
    DataDirOption dataDir;

    @Override
    public Integer call() throws Exception {
        if (jobs < 1) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--jobs must be at least 1");
        }
        PrintStream err = System.err;
        Path dir = dataDir.path();
        String secret = DemoTenants.secret(dir);
        // Keys and cacheable prompts carry the run id, so earlier runs' state does not decide this run.
        String run = Long.toString(System.currentTimeMillis(), 36);
        DemoTenants tenants = DemoTenants.forRun(run);
        // The warm-up runs the same mix, so that no code path (a first rejection, a first batch
        // job, a first schema lookup) is cold in the measured run; it has its own budget tenant.
        DemoTenants warmupTenants = DemoTenants.forRun(run + "w");
        // Batches end in seconds here, not the hours a provider may take, so the demo waits for them.
        SimConfig sim = SimConfig.defaults()
                .withLatency(Duration.ofMillis(simLatencyMs), Duration.ofMillis(simLatencyMs / 2))
                .withBatchProcessingTime(Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        // A short run on a small machine spends more CPU on C2 compilation than C2 gives back (ADR 0004).
        try (LocalStack stack = new LocalStack(new LocalStack.Options(
                                dir, LocalStack.Ports.ANY, sim, Map.of(), List.of("-XX:TieredStopAtLevel=1")))
                        .start(step -> err.println("sluice: " + step));
                WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0)) {
            err.printf("sluice: stack up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            Topics topics = new Topics(Topics.DEFAULT_PREFIX);
            SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(stack.registryUrl()));
            tenants.register(stack.bootstrapServers(), topics, serdes, dir, receiver.url());
            if (warmup > 0) {
                warmupTenants.register(stack.bootstrapServers(), topics, serdes, dir, receiver.url());
            }
            Set<String> tenantIds = new java.util.LinkedHashSet<>(tenants.ids());
            if (warmup > 0) {
                tenantIds.addAll(warmupTenants.ids());
            }
            DemoKeys keys = DemoKeys.issue(stack.bootstrapServers(), topics, serdes, tenantIds, "sluice demo " + run);
            DemoSummary summary;
            try (ResultWatcher watcher = new ResultWatcher(
                    stack.bootstrapServers(),
                    topics.results(),
                    serdes.results().deserializer(),
                    topics.jobEvents(),
                    serdes.jobStatus().deserializer())) {
                keys.awaitKnown(stack.ingestUrl(), Duration.ofSeconds(30));
                if (warmup > 0) {
                    err.println("sluice: warming up with " + warmup + " jobs (not counted)");
                    submitAndWait(
                            stack,
                            keys,
                            receiver,
                            watcher,
                            err,
                            DemoWorkload.mixed(warmupTenants, warmup, run + "w"),
                            null,
                            null,
                            List.of());
                }
                DemoStatusCheck status = new DemoStatusCheck(stack.ingestUrl(), keys);
                err.println("sluice: following one job on its status stream");
                List<String> stream = status.follow(
                        DemoTenants.MAIN,
                        DemoWorkload.ticket(DemoTenants.MAIN, 0, run + "s").toString(),
                        Duration.ofSeconds(60));
                summary = submitAndWait(
                        stack,
                        keys,
                        receiver,
                        watcher,
                        err,
                        DemoWorkload.mixed(tenants, jobs, run),
                        new Progress(err, jobs, watcher, receiver),
                        status,
                        stream);
            } finally {
                keys.revoke(stack.bootstrapServers(), topics, serdes);
                tenants.removeRunTenant(stack.bootstrapServers(), topics);
                if (warmup > 0) {
                    warmupTenants.removeRunTenant(stack.bootstrapServers(), topics);
                }
            }
            summary.unexpected().stream().limit(20).forEach(u -> err.println("sluice: unexpected: " + u));
            if (json) {
                System.out.println(summary.json());
            } else {
                System.out.print(summary.table());
            }
            System.out.flush();
            err.println("sluice: stopping the stack (data kept in " + dir + ")");
            return summary.exitCode();
        }
    }

    private DemoSummary submitAndWait(
            LocalStack stack,
            DemoKeys keys,
            WebhookReceiver receiver,
            ResultWatcher watcher,
            PrintStream err,
            List<DemoWorkload.Job> work,
            Progress progress,
            DemoStatusCheck status,
            List<String> stream)
            throws InterruptedException {
        Map<String, Long> submittedAt = new ConcurrentHashMap<>();
        Map<String, DemoWorkload.Kind> kinds = new ConcurrentHashMap<>();
        Map<String, String> tenantOf = new ConcurrentHashMap<>();
        AtomicInteger notAccepted = new AtomicInteger();
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI endpoint = URI.create(stack.ingestUrl() + "/v1/jobs");
        Semaphore inFlight = new Semaphore(concurrency);
        long start = System.nanoTime();
        if (progress != null) {
            progress.begin(submittedAt.keySet(), start);
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (DemoWorkload.Job job : work) {
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        long sent = System.nanoTime();
                        HttpResponse<String> r = http.send(
                                HttpRequest.newBuilder(endpoint)
                                        .header("Content-Type", "application/json")
                                        .header("Authorization", "Bearer " + keys.forTenant(job.tenantId()))
                                        .POST(HttpRequest.BodyPublishers.ofString(job.body()))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 202) {
                            String id =
                                    JSON.readTree(r.body()).path("requestId").asText();
                            kinds.put(id, job.kind());
                            tenantOf.put(id, job.tenantId());
                            submittedAt.put(id, sent);
                        } else {
                            notAccepted.incrementAndGet();
                            err.println("sluice: job not accepted (" + r.statusCode() + "): " + r.body());
                        }
                    } catch (Exception e) {
                        notAccepted.incrementAndGet();
                        err.println("sluice: submitting a job failed: " + e);
                    } finally {
                        inFlight.release();
                    }
                    return null;
                });
                if (progress != null) {
                    progress.maybePrint();
                }
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> ids = new HashSet<>(submittedAt.keySet());
        while (System.nanoTime() < deadline
                && (watcher.countOf(ids) < ids.size()
                        || webhooksFor(receiver, ids).verified() < ids.size())) {
            if (progress != null) {
                progress.maybePrint();
            }
            Thread.sleep(50);
        }
        if (progress != null) {
            progress.done();
        }
        DemoStatusCheck.Outcome statusApi = DemoStatusCheck.Outcome.NONE;
        if (status != null) {
            Map<String, String> resultStatus = new HashMap<>();
            for (String id : ids) {
                ResultWatcher.Seen seen = watcher.get(id);
                if (seen != null) {
                    resultStatus.put(id, seen.result().status().name());
                }
            }
            statusApi = status.check(tenantOf, resultStatus, stream, Duration.ofSeconds(30));
        }
        return summarise(ids, submittedAt, kinds, notAccepted.get(), watcher, receiver, start, statusApi);
    }

    private record Webhooks(int received, int verified) {}

    private static Webhooks webhooksFor(WebhookReceiver receiver, Set<String> ids) {
        Set<String> received = new HashSet<>();
        Set<String> verified = new HashSet<>();
        for (WebhookReceiver.Received r : receiver.received()) {
            if (ids.contains(r.webhookId())) {
                received.add(r.webhookId());
                if (r.verified() && r.answeredStatus() / 100 == 2) {
                    verified.add(r.webhookId());
                }
            }
        }
        return new Webhooks(received.size(), verified.size());
    }

    private DemoSummary summarise(
            Set<String> ids,
            Map<String, Long> submittedAt,
            Map<String, DemoWorkload.Kind> kinds,
            int notAccepted,
            ResultWatcher watcher,
            WebhookReceiver receiver,
            long start,
            DemoStatusCheck.Outcome statusApi) {
        Map<String, Integer> byStatus = new HashMap<>();
        Map<String, Integer> byReason = new HashMap<>();
        Map<String, Integer> byKind = new HashMap<>();
        Map<String, Integer> byRoute = new HashMap<>();
        List<String> unexpected = new ArrayList<>();
        int cacheHits = 0;
        int semanticHits = 0;
        int duplicates = 0;
        List<Long> latencies = new ArrayList<>();
        Map<String, List<Long>> stages = new java.util.LinkedHashMap<>();
        for (String stage : List.of("accepted→routed", "routed→started", "started→completed", "completed→result")) {
            stages.put(stage, new ArrayList<>());
        }
        long input = 0;
        long output = 0;
        long cost = 0;
        int batchJobs = 0;
        long batchCost = 0;
        long batchListPrice = 0;
        long last = start;
        for (String id : ids) {
            DemoWorkload.Kind kind = kinds.get(id);
            byKind.merge(kind.name(), 1, Integer::sum);
            String route = watcher.routeOf(id);
            if (route != null) {
                byRoute.merge(route, 1, Integer::sum);
            }
            ResultWatcher.Seen seen = watcher.get(id);
            if (seen == null) {
                continue;
            }
            LlmResult r = seen.result();
            String wrong = kind.check(r, route);
            if (wrong != null) {
                unexpected.add(kind + " " + id + ": " + wrong);
            }
            byStatus.merge(r.status().name(), 1, Integer::sum);
            if (r.error() != null) {
                byReason.merge(r.error().code(), 1, Integer::sum);
            }
            if (r.cacheHit() != CacheHit.NONE) {
                cacheHits++;
            }
            if (r.cacheHit() == CacheHit.SEMANTIC) {
                semanticHits++;
            }
            if (r.duplicateOf() != null) {
                duplicates++;
            }
            latencies.add((seen.seenNanos() - submittedAt.get(id)) / 1_000_000);
            stage(stages, "accepted→routed", r.createdAt(), r.routedAt());
            stage(stages, "routed→started", r.routedAt(), r.startedAt());
            stage(stages, "started→completed", r.startedAt(), r.completedAt());
            stages.get("completed→result")
                    .add(Math.max(0, seen.seenWallMillis() - r.completedAt().toEpochMilli()));
            input += r.usage().totalInputTokens();
            output += r.usage().outputTokens();
            cost += r.costMicros();
            if (r.batch() && r.model() != null) {
                batchJobs++;
                batchCost += r.costMicros();
                batchListPrice += CATALOGUE
                        .model(r.model())
                        .map(m -> Pricing.costMicros(m, r.usage(), CostBasis.SYNC))
                        .orElse(r.costMicros());
            }
            last = Math.max(last, seen.seenNanos());
        }
        statusApi.disagreements().forEach(d -> unexpected.add("job status " + d));
        long[] sorted =
                DemoSummary.sorted(latencies.stream().mapToLong(Long::longValue).toArray());
        long elapsedMs = Math.max(1, (last - start) / 1_000_000);
        Webhooks hooks = webhooksFor(receiver, ids);
        return new DemoSummary(
                ids.size() + notAccepted,
                notAccepted,
                warmup,
                latencies.size(),
                byStatus,
                byReason,
                byKind,
                byRoute,
                cacheHits,
                semanticHits,
                duplicates,
                unexpected,
                hooks.received(),
                hooks.verified(),
                input,
                output,
                cost,
                batchJobs,
                batchCost,
                batchListPrice,
                Percentiles.nearestRank(sorted, 50),
                Percentiles.nearestRank(sorted, 95),
                Percentiles.nearestRank(sorted, 99),
                stageP50(stages),
                latencies.size() * 1000.0 / elapsedMs,
                elapsedMs,
                statusApi);
    }

    private static void stage(
            Map<String, List<Long>> stages, String name, java.time.Instant from, java.time.Instant to) {
        if (from != null && to != null) {
            stages.get(name).add(Math.max(0, to.toEpochMilli() - from.toEpochMilli()));
        }
    }

    private static Map<String, Long> stageP50(Map<String, List<Long>> stages) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        stages.forEach((name, values) -> out.put(
                name,
                Percentiles.nearestRank(
                        DemoSummary.sorted(
                                values.stream().mapToLong(Long::longValue).toArray()),
                        50)));
        return out;
    }

    /** A one-line progress report on stderr: rewritten in place on a terminal, every few seconds otherwise. */
    private static final class Progress {
        private final PrintStream err;
        private final int total;
        private final ResultWatcher watcher;
        private final WebhookReceiver receiver;
        private final boolean terminal = System.console() != null;
        private Set<String> submitted = Set.of();
        private long start;
        private long lastPrint;

        Progress(PrintStream err, int total, ResultWatcher watcher, WebhookReceiver receiver) {
            this.err = err;
            this.total = total;
            this.watcher = watcher;
            this.receiver = receiver;
        }

        void begin(Set<String> submitted, long start) {
            this.submitted = submitted;
            this.start = start;
        }

        void maybePrint() {
            long now = System.nanoTime();
            if (now - lastPrint < (terminal ? 250_000_000L : 3_000_000_000L)) {
                return;
            }
            lastPrint = now;
            Set<String> ids = new HashSet<>(submitted);
            String line = String.format(
                    java.util.Locale.ROOT,
                    "sluice: %5.1f s  submitted %d/%d  results %d  webhooks verified %d",
                    (now - start) / 1e9,
                    ids.size(),
                    total,
                    watcher.countOf(ids),
                    webhooksFor(receiver, ids).verified());
            err.print(terminal ? "\r" + line : line + System.lineSeparator());
            err.flush();
        }

        void done() {
            lastPrint = 0;
            maybePrint();
            if (terminal) {
                err.println();
            }
        }
    }
}
