package dev.sluice.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.Percentiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The figures of {@code sluice bench worker}, one {@link Scenario} per provider latency, as a table and as JSON. */
final class WorkerBenchReport {
    final int tenants;
    final List<Scenario> scenarios = new ArrayList<>();

    WorkerBenchReport(int tenants) {
        this.tenants = tenants;
    }

    /** One run of the worker against one simulator latency. */
    static final class Scenario {
        final String name;
        final long latencyMs;
        final int maxInFlight;
        final int warmup;
        final int measured;
        final int tail;
        double startSeconds;
        double measuredSeconds;
        double inFlightMean;
        int inFlightMax;
        long[] startedToCompletedMs = new long[0];
        long[] completedToReadMs = new long[0];
        double workerCpuCores;
        double readerCpuCores;
        double brokerCpuCores;
        double simCpuCores;
        double machineBusyCores = Double.NaN;
        long workerLiveHeapBytes = -1;
        long workerPeakRssBytes = -1;
        long simPeakRssBytes = -1;
        long brokerPeakRssBytes = -1;
        boolean peaksOfMeasuredShare;
        long providerCalls;
        final Map<String, Long> outcomes = new TreeMap<>();

        Scenario(String name, long latencyMs, int maxInFlight, int warmup, int measured, int tail) {
            this.name = name;
            this.latencyMs = latencyMs;
            this.maxInFlight = maxInFlight;
            this.warmup = warmup;
            this.measured = measured;
            this.tail = tail;
        }

        double jobsPerSecond() {
            return measured / measuredSeconds;
        }

        /** Little's law: with every slot busy and each job taking the provider's latency, no more can finish. */
        double boundPerSecond() {
            return latencyMs == 0 ? Double.NaN : maxInFlight * 1000.0 / latencyMs;
        }

        /** What the rest of the machine used meanwhile: another program's load makes these figures lower. */
        double otherCores() {
            return machineBusyCores - workerCpuCores - readerCpuCores - brokerCpuCores - simCpuCores;
        }

        double micros(double cores) {
            return cores * 1e6 / jobsPerSecond();
        }
    }

    String json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("tenants", tenants);
        root.put("cores", Runtime.getRuntime().availableProcessors());
        var list = root.putArray("scenarios");
        for (Scenario s : scenarios) {
            ObjectNode n = list.addObject();
            n.put("name", s.name);
            n.put("simLatencyMs", s.latencyMs);
            n.put("maxInFlight", s.maxInFlight);
            n.put("warmupJobs", s.warmup);
            n.put("measuredJobs", s.measured);
            n.put("tailJobs", s.tail);
            n.put("workerStartSeconds", round(s.startSeconds));
            n.put("measuredSeconds", round(s.measuredSeconds));
            n.put("jobsPerSecond", Math.round(s.jobsPerSecond()));
            if (s.latencyMs > 0) {
                n.put("boundJobsPerSecond", Math.round(s.boundPerSecond()));
                n.put("percentOfBound", round(100 * s.jobsPerSecond() / s.boundPerSecond()));
            }
            n.put("inFlightMean", Math.round(s.inFlightMean));
            n.put("inFlightMax", s.inFlightMax);
            n.putObject("startedToCompletedMs")
                    .put("p50", Percentiles.nearestRank(s.startedToCompletedMs, 50))
                    .put("p99", Percentiles.nearestRank(s.startedToCompletedMs, 99))
                    .put("max", Percentiles.nearestRank(s.startedToCompletedMs, 100));
            n.putObject("completedToReadableMs")
                    .put("p50", Percentiles.nearestRank(s.completedToReadMs, 50))
                    .put("p99", Percentiles.nearestRank(s.completedToReadMs, 99));
            ObjectNode cpu = n.putObject("cpuCores")
                    .put("worker", round(s.workerCpuCores))
                    .put("broker", round(s.brokerCpuCores))
                    .put("simulator", round(s.simCpuCores))
                    .put("benchReader", round(s.readerCpuCores));
            if (!Double.isNaN(s.machineBusyCores)) {
                cpu.put("machineBusy", round(s.machineBusyCores))
                        .put("otherProcesses", round(Math.max(0, s.otherCores())));
            }
            n.putObject("cpuMicrosPerJob")
                    .put("worker", Math.round(s.micros(s.workerCpuCores)))
                    .put("broker", Math.round(s.micros(s.brokerCpuCores)))
                    .put("simulator", Math.round(s.micros(s.simCpuCores)));
            n.putObject("memoryMiB")
                    .put("workerLiveHeap", mib(s.workerLiveHeapBytes))
                    .put("workerPeakRss", mib(s.workerPeakRssBytes))
                    .put("simulatorPeakRss", mib(s.simPeakRssBytes))
                    .put("brokerPeakRss", mib(s.brokerPeakRssBytes))
                    .put("peaksOfMeasuredShareOnly", s.peaksOfMeasuredShare);
            n.put("providerCalls", s.providerCalls);
            var outcomes = n.putObject("outcomes");
            s.outcomes.forEach(outcomes::put);
        }
        return root.toString();
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        line(
                sb,
                "%nworker-pool against the provider simulator (OpenAI protocol), %d tenants, NORMAL priority,"
                        + " tiers small and medium, on %d cores%n",
                tenants,
                Runtime.getRuntime().availableProcessors());
        for (Scenario s : scenarios) {
            line(sb, "%n%s: simulator latency %,d ms, worker.max.in.flight %,d%n", s.name, s.latencyMs, s.maxInFlight);
            line(
                    sb,
                    "  backlog                 %,d measured jobs after %,d warm-up jobs (and %,d more behind them, not"
                            + " counted)%n",
                    s.measured,
                    s.warmup,
                    s.tail);
            line(
                    sb,
                    "  completed in            %.2f s   (worker start %.1f s not counted)%n",
                    s.measuredSeconds,
                    s.startSeconds);
            if (s.latencyMs > 0) {
                line(
                        sb,
                        "  throughput              %,.0f jobs/s   (bound %,.0f jobs/s = in flight / latency: %.0f%%)%n",
                        s.jobsPerSecond(),
                        s.boundPerSecond(),
                        100 * s.jobsPerSecond() / s.boundPerSecond());
            } else {
                line(sb, "  throughput              %,.0f jobs/s%n", s.jobsPerSecond());
            }
            line(
                    sb,
                    "  jobs in flight          mean %,.0f   max %,d   (of %,d slots)%n",
                    s.inFlightMean,
                    s.inFlightMax,
                    s.maxInFlight);
            line(
                    sb,
                    "  started -> completed    p50 %,d ms   p99 %,d ms   max %,d ms%n",
                    Percentiles.nearestRank(s.startedToCompletedMs, 50),
                    Percentiles.nearestRank(s.startedToCompletedMs, 99),
                    Percentiles.nearestRank(s.startedToCompletedMs, 100));
            line(
                    sb,
                    "  completed -> readable   p50 %,d ms   p99 %,d ms%n",
                    Percentiles.nearestRank(s.completedToReadMs, 50),
                    Percentiles.nearestRank(s.completedToReadMs, 99));
            line(
                    sb,
                    "  CPU (cores)             worker JVM %.2f   broker %.2f   simulator %.2f   bench reader %.2f%n",
                    s.workerCpuCores,
                    s.brokerCpuCores,
                    s.simCpuCores,
                    s.readerCpuCores);
            if (!Double.isNaN(s.machineBusyCores)) {
                line(
                        sb,
                        "  machine CPU             %.2f of %d cores busy; other processes %.2f%n",
                        s.machineBusyCores,
                        Runtime.getRuntime().availableProcessors(),
                        Math.max(0, s.otherCores()));
            }
            line(
                    sb,
                    "  CPU per job             worker JVM %,.0f µs   broker %,.0f µs   simulator %,.0f µs%n",
                    s.micros(s.workerCpuCores),
                    s.micros(s.brokerCpuCores),
                    s.micros(s.simCpuCores));
            line(
                    sb,
                    "  memory                  worker live heap %s   peak RSS%s: worker JVM %s   simulator %s"
                            + "   broker %s%n",
                    mibText(s.workerLiveHeapBytes),
                    s.peaksOfMeasuredShare ? " (measured share)" : " (whole run)",
                    mibText(s.workerPeakRssBytes),
                    mibText(s.simPeakRssBytes),
                    mibText(s.brokerPeakRssBytes));
            long all = s.outcomes.values().stream().mapToLong(Long::longValue).sum();
            line(
                    sb,
                    "  outcomes                %,d completions, %,d provider calls: %s%n",
                    all,
                    s.providerCalls,
                    s.outcomes);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args));
    }

    private static long mib(long bytes) {
        return bytes < 0 ? -1 : Math.round(bytes / 1048576.0);
    }

    private static String mibText(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,d MiB", mib(bytes));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
