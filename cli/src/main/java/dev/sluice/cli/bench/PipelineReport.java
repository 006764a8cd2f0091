package dev.sluice.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.Percentiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The figures of {@code sluice bench pipeline}, as a table and as JSON. */
final class PipelineReport {
    /** Sluice's own processes: what the all-in-one memory figure sums. */
    static final List<String> SERVICES = List.of("router-stream", "worker-pool", "result-sink", "ingest-service");

    /** The stages a result's moments divide its time into, in order. */
    static final Map<String, ToLongFunction<ResultClock.Times>> STAGES = stages();

    final int jobs;
    final int warmup;
    final int simLatencyMs;
    final String jit;
    final int serviceHeapMb;
    /** The service settings given with --set. */
    Map<String, String> settings = Map.of();
    /** Every tenant's daily and monthly budget (--budget-micros), or null. */
    Long budgetMicros;

    KafkaCeiling ceiling;
    Share burst;
    final List<Share> steady = new ArrayList<>();

    PipelineReport(int jobs, int warmup, int simLatencyMs, String jit, int serviceHeapMb) {
        this.jobs = jobs;
        this.warmup = warmup;
        this.simLatencyMs = simLatencyMs;
        this.jit = jit;
        this.serviceHeapMb = serviceHeapMb;
    }

    private static Map<String, ToLongFunction<ResultClock.Times>> stages() {
        Map<String, ToLongFunction<ResultClock.Times>> m = new LinkedHashMap<>();
        m.put("created → routed", t -> t.routed() < 0 ? -1 : t.routed() - t.created());
        m.put("routed → started", t -> t.routed() < 0 || t.started() < 0 ? -1 : t.started() - t.routed());
        m.put("started → completed", t -> t.started() < 0 ? -1 : t.completed() - t.started());
        m.put("completed → readable", t -> t.read() - t.completed());
        m.put("end to end", ResultClock.Times::endToEnd);
        return m;
    }

    /** One measured share: a burst, or a steady offered rate. */
    static final class Share {
        final int sent;
        final long firstSendMillis;
        final List<ResultClock.Times> results;
        final ProcessMeter.Result cpu;
        final Map<String, Long> records;
        int rate;
        /** Results of jobs created within this long of the first send are left out of the percentiles. */
        long countFromMillis;

        Share(
                int sent,
                long firstSendMillis,
                List<ResultClock.Times> results,
                ProcessMeter.Result cpu,
                Map<String, Long> records) {
            this.sent = sent;
            this.firstSendMillis = firstSendMillis;
            this.results = results;
            this.cpu = cpu;
            this.records = records;
        }

        double seconds() {
            long last =
                    results.stream().mapToLong(ResultClock.Times::read).max().orElse(firstSendMillis);
            return Math.max(1, last - firstSendMillis) / 1000.0;
        }

        double jobsPerSecond() {
            return results.size() / seconds();
        }

        long succeeded() {
            return results.stream().filter(ResultClock.Times::succeeded).count();
        }

        /** Records on Sluice's topics and the Streams apps' internal ones, markers included, per job sent. */
        double recordsPerJob() {
            return records.entrySet().stream()
                            .filter(e -> !e.getKey().startsWith("__"))
                            .mapToLong(Map.Entry::getValue)
                            .sum()
                    / (double) sent;
        }

        /** Records on the broker's own topics (offset commits, transaction state) per job sent. */
        double brokerRecordsPerJob() {
            return records.entrySet().stream()
                            .filter(e -> e.getKey().startsWith("__"))
                            .mapToLong(Map.Entry::getValue)
                            .sum()
                    / (double) sent;
        }

        /** A stage's sorted durations in ms over the counted results; stages a result skipped are left out. */
        long[] stage(ToLongFunction<ResultClock.Times> stage) {
            return results.stream()
                    .filter(t -> t.created() >= firstSendMillis + countFromMillis)
                    .mapToLong(stage)
                    .filter(v -> v >= 0)
                    .sorted()
                    .toArray();
        }

        ObjectNode json(ObjectMapper mapper, double ceilingRecordsPerSecond) {
            ObjectNode n = mapper.createObjectNode();
            if (rate > 0) {
                n.put("offeredPerSecond", rate);
            }
            n.put("jobs", sent)
                    .put("results", results.size())
                    .put("succeeded", succeeded())
                    .put("seconds", round(seconds()))
                    .put("jobsPerSecond", Math.round(jobsPerSecond()))
                    .put("recordsPerJob", round(recordsPerJob()))
                    .put("brokerInternalRecordsPerJob", round(brokerRecordsPerJob()))
                    .put("efficiency", round(jobsPerSecond() * recordsPerJob() / ceilingRecordsPerSecond));
            ObjectNode recs = n.putObject("recordsPerTopic");
            records.forEach((t, c) -> recs.put(t, round(c / (double) sent)));
            ObjectNode stages = n.putObject("stagesMs");
            STAGES.forEach((name, f) -> {
                long[] v = stage(f);
                stages.putObject(name)
                        .put("p50", Percentiles.nearestRank(v, 50))
                        .put("p95", Percentiles.nearestRank(v, 95))
                        .put("p99", Percentiles.nearestRank(v, 99))
                        .put("max", v.length == 0 ? 0 : v[v.length - 1]);
            });
            ObjectNode procs = n.putObject("processes");
            cpu.processes()
                    .forEach((name, r) -> procs.putObject(name)
                            .put("cores", round(r.cores()))
                            .put("cpuMicrosPerJob", Math.round(r.cores() * cpu.seconds() * 1e6 / sent))
                            .put("peakRssMiB", r.peakRssBytes() >> 20)
                            .put("rssMiB", r.rssBytes() >> 20));
            n.put("processesCores", round(cpu.totalCores()))
                    .put("machineBusyCores", round(cpu.machineBusyCores()))
                    .put("peakRssMiB", cpu.totalPeakRssBytes() >> 20)
                    .put("servicesPeakRssMiB", cpu.peakRssBytesOf(SERVICES) >> 20);
            return n;
        }

        void table(StringBuilder sb, String title, double ceilingRecordsPerSecond) {
            sb.append(String.format(Locale.ROOT, "%n%s%n", title));
            sb.append(String.format(
                    Locale.ROOT,
                    "  throughput        %,.0f jobs/s (%,d jobs, %,d results, %,d SUCCEEDED,"
                            + " %.1f s from the first send to the last result)%n",
                    jobsPerSecond(),
                    sent,
                    results.size(),
                    succeeded(),
                    seconds()));
            sb.append(String.format(
                    Locale.ROOT,
                    "  records per job   %.2f on Sluice's and Streams' topics (markers"
                            + " included), %.2f on the broker's own; efficiency %.3f of the ceiling%n",
                    recordsPerJob(),
                    brokerRecordsPerJob(),
                    jobsPerSecond() * recordsPerJob() / ceilingRecordsPerSecond));
            records.forEach(
                    (t, c) -> sb.append(String.format(Locale.ROOT, "      %-58s %6.2f%n", t, c / (double) sent)));
            sb.append(String.format(
                    Locale.ROOT, "  stages (ms)       %-22s %7s %7s %7s %7s%n", "", "p50", "p95", "p99", "max"));
            STAGES.forEach((name, f) -> {
                long[] v = stage(f);
                sb.append(String.format(
                        Locale.ROOT,
                        "                    %-22s %,7d %,7d %,7d %,7d%n",
                        name,
                        Percentiles.nearestRank(v, 50),
                        Percentiles.nearestRank(v, 95),
                        Percentiles.nearestRank(v, 99),
                        v.length == 0 ? 0 : v[v.length - 1]));
            });
            sb.append(String.format(
                    Locale.ROOT,
                    "  processes         %-22s %7s %12s %10s %9s%n",
                    "",
                    "cores",
                    "µs CPU/job",
                    "peak RSS",
                    "RSS"));
            cpu.processes()
                    .forEach((name, r) -> sb.append(String.format(
                            Locale.ROOT,
                            "                    %-22s %7.2f %,12.0f %,7d MiB %,6d MiB%n",
                            name,
                            r.cores(),
                            r.cores() * cpu.seconds() * 1e6 / sent,
                            r.peakRssBytes() >> 20,
                            r.rssBytes() >> 20)));
            sb.append(String.format(
                    Locale.ROOT,
                    "                    %-22s %7.2f %,12.0f %,7d MiB%n",
                    "all of them",
                    cpu.totalCores(),
                    cpu.totalCores() * cpu.seconds() * 1e6 / sent,
                    cpu.totalPeakRssBytes() >> 20));
            sb.append(String.format(
                    Locale.ROOT,
                    "                    %-22s %7s %12s %,7d MiB%n",
                    "the four services",
                    "",
                    "",
                    cpu.peakRssBytesOf(SERVICES) >> 20));
            sb.append(String.format(
                    Locale.ROOT, "                    %-22s %7.2f%n", "machine busy", cpu.machineBusyCores()));
        }
    }

    String json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("jobs", jobs)
                .put("warmup", warmup)
                .put("simLatencyMs", simLatencyMs)
                .put("jit", jit)
                .put("serviceHeapMb", serviceHeapMb);
        ObjectNode set = root.putObject("settings");
        settings.forEach(set::put);
        if (budgetMicros != null) {
            root.put("budgetMicros", budgetMicros);
        }
        root.putObject("ceiling")
                .put("records", ceiling.records())
                .put("bytes", ceiling.bytes())
                .put("partitions", ceiling.partitions())
                .put("producedPerSecond", Math.round(ceiling.producedPerSecond()))
                .put("consumedPerSecond", Math.round(ceiling.consumedPerSecond()));
        root.set("burst", burst.json(mapper, ceiling.producedPerSecond()));
        var arr = root.putArray("steady");
        steady.forEach(s -> arr.add(s.json(mapper, ceiling.producedPerSecond())));
        return root.toString();
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "%nthe whole pipeline, each part a process; services' JVMs %s, %d MiB heap;"
                        + " simulator at %d ms; %,d warm-up jobs not counted%s%s%n",
                jit,
                serviceHeapMb,
                simLatencyMs,
                warmup,
                budgetMicros == null
                        ? ""
                        : String.format(
                                Locale.ROOT, "; every tenant's daily and monthly budget" + " %,d µ$", budgetMicros),
                settings.isEmpty() ? "" : "; settings " + settings));
        sb.append(String.format(
                Locale.ROOT,
                "%nKafka's own ceiling on this broker (%,d records of %d B, %d partitions,"
                        + " acks=all, idempotent, lz4)%n  producer          %,.0f records/s%n  consumer          %,.0f"
                        + " records/s%n",
                ceiling.records(),
                ceiling.bytes(),
                ceiling.partitions(),
                ceiling.producedPerSecond(),
                ceiling.consumedPerSecond()));
        burst.table(
                sb,
                String.format(Locale.ROOT, "burst: %,d jobs produced at once to llm.requests", jobs),
                ceiling.producedPerSecond());
        for (Share s : steady) {
            s.table(
                    sb,
                    String.format(
                            Locale.ROOT,
                            "steady: %,d jobs/s offered for %.0f s (percentiles leave out the" + " first %.1f s)",
                            s.rate,
                            s.sent / (double) s.rate,
                            s.countFromMillis / 1000.0),
                    ceiling.producedPerSecond());
        }
        return sb.toString();
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
