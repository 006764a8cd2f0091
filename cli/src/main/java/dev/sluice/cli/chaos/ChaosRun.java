package dev.sluice.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The chaos run that {@code sluice chaos} and {@code ChaosIT} share: the stack as separate processes,
 * a steady load, each part killed with SIGKILL and restarted at once, in turn, then the load stopped
 * and every acked job followed to its result.
 */
public final class ChaosRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param rate jobs per second
     * @param steady load between a part's recovery and the next kill (and before the first)
     * @param httpPercent share of jobs sent over HTTP; the rest are produced to llm.requests
     * @param overrides service settings over the stack's own (e.g. {@code kafka.group.instance.id=none})
     * @param recoveryTimeout the longest wait for results of new jobs after a restart
     * @param drainTimeout the longest wait for the last results once the load stops
     */
    public record Options(
            Path dataDir,
            int rate,
            Duration steady,
            List<Target> kills,
            int httpPercent,
            int simLatencyMs,
            Map<String, String> overrides,
            Duration recoveryTimeout,
            Duration drainTimeout) {
        public Options {
            kills = List.copyOf(kills);
            overrides = Map.copyOf(overrides);
        }
    }

    private ChaosRun() {}

    public static ChaosReport run(Options options, Consumer<String> progress) throws Exception {
        Instant started = Instant.now();
        try (ProcessStack stack = new ProcessStack(
                        new ProcessStack.Options(options.dataDir(), options.simLatencyMs(), options.overrides()))
                .start(progress)) {
            Topics topics = new Topics(options.overrides().getOrDefault("topics.prefix", Topics.DEFAULT_PREFIX));
            SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(stack.registryUrl()));
            try (ChaosTally tally = new ChaosTally(stack.bootstrapServers(), topics, serdes);
                    ChaosLoad load = new ChaosLoad(
                            stack.bootstrapServers(),
                            topics,
                            serdes,
                            stack.ingestUrl(),
                            stack.apiKey(),
                            options.httpPercent())) {
                progress.accept("sending " + options.rate() + " jobs/s (" + options.httpPercent()
                        + "% over HTTP); services' logs in " + stack.logs());
                load.start(options.rate());
                Instant loadStarted = Instant.now();
                awaitFlowing(load, tally, loadStarted, j -> true, options.recoveryTimeout(), "the first results");
                Thread.sleep(options.steady().toMillis());
                List<Kill> kills = new ArrayList<>();
                for (Target target : options.kills()) {
                    int inFlight = inFlight(load, tally);
                    progress.accept("kill -9 " + target.label() + " (" + inFlight + " jobs in flight), restarting it");
                    ProcessStack.Restart restart = stack.killAndRestart(target);
                    kills.add(new Kill(target, restart, inFlight));
                    progress.accept(target.label() + " ready again after " + seconds(restart.killed(), restart.ready())
                            + " s; waiting for results of new jobs");
                    awaitFlowing(
                            load,
                            tally,
                            restart.ready(),
                            passes(target),
                            options.recoveryTimeout(),
                            "results after restarting " + target.label());
                    Thread.sleep(options.steady().toMillis());
                }
                load.stop(Duration.ofSeconds(130));
                Instant loadStopped = Instant.now();
                progress.accept("load stopped: " + load.acked().size() + " jobs accepted; waiting for their results");
                awaitAllResults(load, tally, options.drainTimeout());
                return report(options, load, tally, kills, loadStopped, stack.simUrl(), started);
            }
        }
    }

    private record Kill(Target target, ProcessStack.Restart restart, int inFlight) {}

    /** Jobs whose way passes the part: every job passes the router, worker, sink and broker; HTTP ones pass ingest. */
    private static Predicate<ChaosLoad.Acked> passes(Target target) {
        return target == Target.INGEST ? j -> j.source() == ChaosLoad.Source.HTTP : j -> true;
    }

    private static int inFlight(ChaosLoad load, ChaosTally tally) {
        return (int) load.ackedSnapshot().stream()
                .filter(j -> tally.results(j.requestId()) == 0)
                .count();
    }

    /** Until a job of {@code which}, acked after {@code since}, has its result. */
    private static void awaitFlowing(
            ChaosLoad load,
            ChaosTally tally,
            Instant since,
            Predicate<ChaosLoad.Acked> which,
            Duration timeout,
            String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (load.ackedSnapshot().stream()
                .noneMatch(j -> which.test(j) && j.at().isAfter(since) && tally.results(j.requestId()) > 0)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("No " + what + " within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    private static void awaitAllResults(ChaosLoad load, ChaosTally tally, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && inFlight(load, tally) > 0) {
            Thread.sleep(200);
        }
        // A second result would come from a transaction committed after the first: give it a moment to show.
        Thread.sleep(2_000);
    }

    private static ChaosReport report(
            Options options,
            ChaosLoad load,
            ChaosTally tally,
            List<Kill> kills,
            Instant loadStopped,
            String simUrl,
            Instant started)
            throws Exception {
        List<ChaosLoad.Acked> acked = load.ackedSnapshot();
        Map<String, ChaosLoad.Acked> byId = new HashMap<>();
        acked.forEach(j -> byId.put(j.requestId(), j));
        List<ChaosTally.Arrival> arrivals = tally.arrivals();
        List<ChaosReport.Kill> reported = new ArrayList<>();
        for (int i = 0; i < kills.size(); i++) {
            Kill k = kills.get(i);
            Instant end = i + 1 < kills.size() ? kills.get(i + 1).restart().killed() : loadStopped;
            // A result of a job never acked (its 202 lost with ingest) came in over HTTP.
            List<Instant> times = arrivals.stream()
                    .filter(a -> {
                        ChaosLoad.Acked j = byId.get(a.requestId());
                        return k.target() != Target.INGEST || j == null || j.source() == ChaosLoad.Source.HTTP;
                    })
                    .map(ChaosTally.Arrival::at)
                    .sorted()
                    .toList();
            reported.add(new ChaosReport.Kill(
                    k.target(),
                    k.restart().killed(),
                    seconds(k.restart().killed(), k.restart().ready()),
                    ChaosReport.longestSilence(k.restart().killed(), end, times).toMillis() / 1000.0,
                    k.inFlight()));
        }
        long missing =
                acked.stream().filter(j -> tally.results(j.requestId()) == 0).count();
        long duplicates =
                acked.stream().filter(j -> tally.results(j.requestId()) > 1).count();
        long jobsNotOnce =
                acked.stream().filter(j -> tally.jobs(j.requestId()) != 1).count();
        long completionsRepeated = acked.stream()
                .mapToLong(j -> Math.max(0, tally.completions(j.requestId()) - 1))
                .sum();
        JsonNode stats = simStats(simUrl);
        long calls =
                stats.at("/requestsByEndpoint/POST ~1v1~1chat~1completions").asLong()
                        + stats.at("/requestsByEndpoint/POST ~1v1~1messages").asLong();
        long inFlightAtKills = kills.stream().mapToLong(Kill::inFlight).sum();
        ChaosReport.Totals totals = new ChaosReport.Totals(
                load.sent(),
                acked.size(),
                load.refused(),
                acked.stream().filter(j -> tally.results(j.requestId()) > 0).count(),
                missing,
                duplicates,
                jobsNotOnce,
                completionsRepeated,
                calls,
                stats.path("repeatedPrompts").asLong(),
                inFlightAtKills,
                Duration.between(started, Instant.now()).toMillis() / 1000.0);
        String membership = "none".equals(options.overrides().get("kafka.group.instance.id")) ? "dynamic" : "static";
        return new ChaosReport(reported, totals, membership);
    }

    private static JsonNode simStats(String simUrl) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return JSON.readTree(http.send(
                            HttpRequest.newBuilder(URI.create(simUrl + "/sim/stats"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
        }
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }
}
