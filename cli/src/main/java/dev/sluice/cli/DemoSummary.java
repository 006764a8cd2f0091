package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What a demo run came to, as a table for people and as one JSON object for scripts. */
record DemoSummary(
        int submitted,
        int notAccepted,
        int warmupJobs,
        int results,
        Map<String, Integer> byStatus,
        Map<String, Integer> byReason,
        Map<String, Integer> byKind,
        Map<String, Integer> byRoute,
        int cacheHits,
        int semanticHits,
        int duplicates,
        List<String> unexpected,
        int webhooksReceived,
        int webhooksVerified,
        long inputTokens,
        long outputTokens,
        long costMicros,
        int batchJobs,
        long batchCostMicros,
        long batchListPriceMicros,
        long p50Ms,
        long p95Ms,
        long p99Ms,
        Map<String, Long> stageP50Ms,
        double jobsPerSecond,
        long durationMs,
        DemoStatusCheck.Outcome statusApi) {

    DemoSummary {
        byStatus = new TreeMap<>(byStatus);
        byReason = new TreeMap<>(byReason);
        byKind = new TreeMap<>(byKind);
        byRoute = new TreeMap<>(byRoute);
        unexpected = List.copyOf(unexpected);
        stageP50Ms = new java.util.LinkedHashMap<>(stageP50Ms);
    }

    /** What the jobs answered by provider batches would have cost at list price, less what they cost. */
    long batchSavedMicros() {
        return batchListPriceMicros - batchCostMicros;
    }

    int missing() {
        return submitted - results;
    }

    /**
     * Exit code: 0 when every job has a result, every result is what its kind of job should come
     * to, every result's webhook verified, and the status API agreed and kept tenants apart
     * (when it was checked); 1 otherwise.
     */
    int exitCode() {
        boolean statusOk = !Boolean.FALSE.equals(statusApi.isolated());
        return missing() == 0 && notAccepted == 0 && unexpected.isEmpty() && webhooksVerified >= results && statusOk
                ? 0
                : 1;
    }

    static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    String json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("submitted", submitted);
        root.put("notAccepted", notAccepted);
        root.put("warmupJobs", warmupJobs);
        root.put("results", results);
        root.put("missing", missing());
        ObjectNode statuses = root.putObject("byStatus");
        byStatus.forEach(statuses::put);
        ObjectNode reasons = root.putObject("byReason");
        byReason.forEach(reasons::put);
        ObjectNode kinds = root.putObject("byKind");
        byKind.forEach(kinds::put);
        ObjectNode routes = root.putObject("byRoute");
        byRoute.forEach(routes::put);
        root.put("cacheHits", cacheHits);
        root.put("semanticHits", semanticHits);
        root.put("duplicates", duplicates);
        root.put("unexpected", unexpected.size());
        root.put("webhooksReceived", webhooksReceived);
        root.put("webhooksVerified", webhooksVerified);
        root.putObject("tokens").put("input", inputTokens).put("output", outputTokens);
        root.put("costMicros", costMicros);
        root.putObject("batch")
                .put("jobs", batchJobs)
                .put("costMicros", batchCostMicros)
                .put("listPriceMicros", batchListPriceMicros)
                .put("savedMicros", batchSavedMicros());
        root.putObject("latencyMs").put("p50", p50Ms).put("p95", p95Ms).put("p99", p99Ms);
        ObjectNode stages = root.putObject("stageP50Ms");
        stageP50Ms.forEach(stages::put);
        root.put("jobsPerSecond", Math.round(jobsPerSecond * 10) / 10.0);
        root.put("durationMs", durationMs);
        ObjectNode status =
                root.putObject("statusApi").put("checked", statusApi.checked()).put("agreeing", statusApi.agreeing());
        if (statusApi.isolated() != null) {
            status.put("isolated", statusApi.isolated());
        }
        statusApi.stream().forEach(status.putArray("stream")::add);
        return root.toString();
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "%nSluice demo: %d jobs, %d results in %.1f s (%.1f jobs/s)%s%n%n",
                submitted,
                results,
                durationMs / 1000.0,
                jobsPerSecond,
                warmupJobs > 0 ? ", after " + warmupJobs + " warm-up jobs not counted" : ", measured from cold"));
        sb.append(String.format(Locale.ROOT, "  %-22s %10s%n", "status", "jobs"));
        byStatus.forEach((status, n) -> sb.append(String.format(Locale.ROOT, "  %-22s %10d%n", status, n)));
        if (!byReason.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "  %-22s %10s%n", "by reason", "jobs"));
            byReason.forEach((reason, n) -> sb.append(String.format(Locale.ROOT, "    %-22s %8d%n", reason, n)));
        }
        if (missing() > 0) {
            sb.append(String.format(Locale.ROOT, "  %-22s %10d%n", "(no result)", missing()));
        }
        if (notAccepted > 0) {
            sb.append(String.format(Locale.ROOT, "  %-22s %10d%n", "(not accepted)", notAccepted));
        }
        sb.append(String.format(Locale.ROOT, "%n  %-22s %10d%n", "exact cache hits", cacheHits - semanticHits));
        sb.append(String.format(Locale.ROOT, "  %-22s %10d%n", "semantic cache hits", semanticHits));
        sb.append(String.format(Locale.ROOT, "  %-22s %10d%n", "duplicates", duplicates));
        sb.append(String.format(
                Locale.ROOT,
                "  %-22s %10s%n",
                "unexpected outcomes",
                unexpected.isEmpty() ? "none" : String.valueOf(unexpected.size())));
        sb.append(String.format(Locale.ROOT, "%n  %-22s %10s%n", "submitted as", "jobs"));
        byKind.forEach((kind, n) -> sb.append(String.format(Locale.ROOT, "    %-22s %8d%n", kind, n)));
        sb.append(String.format(Locale.ROOT, "  %-22s %10s%n", "routed to", "jobs"));
        byRoute.forEach((route, n) -> sb.append(String.format(Locale.ROOT, "    %-22s %8d%n", route, n)));
        sb.append(String.format(Locale.ROOT, "%n  %-22s %10d%n", "webhooks received", webhooksReceived));
        sb.append(String.format(Locale.ROOT, "  %-22s %10d%n", "webhooks verified", webhooksVerified));
        sb.append(String.format(Locale.ROOT, "  %-22s %,10d%n", "input tokens", inputTokens));
        sb.append(String.format(Locale.ROOT, "  %-22s %,10d%n", "output tokens", outputTokens));
        sb.append(String.format(
                Locale.ROOT, "  %-22s %10s   (%,d micro-dollars)%n", "cost", dollars(costMicros), costMicros));
        sb.append(String.format(
                Locale.ROOT,
                "  %-22s %10d   cost %s, saved %s against list price%n",
                "jobs in provider batches",
                batchJobs,
                dollars(batchCostMicros),
                dollars(batchSavedMicros())));
        sb.append(String.format(
                Locale.ROOT,
                "  %-22s p50 %d ms   p95 %d ms   p99 %d ms%n",
                "latency (request→result)",
                p50Ms,
                p95Ms,
                p99Ms));
        StringBuilder stages = new StringBuilder();
        stageP50Ms.forEach((stage, ms) -> stages.append(String.format(Locale.ROOT, "   %s %d ms", stage, ms)));
        sb.append(String.format(Locale.ROOT, "  %-22s%s%n", "p50 by stage", stages));
        if (statusApi.checked() > 0) {
            String isolation = statusApi.isolated() == null
                    ? "(one tenant only: isolation not tried)"
                    : statusApi.isolated() ? "another tenant's key gets 404" : "another tenant's key WAS NOT REFUSED";
            sb.append(String.format(
                    Locale.ROOT,
                    "%n  %-22s %d of %d agree with their results; %s%n",
                    "job status (GET)",
                    statusApi.agreeing(),
                    statusApi.checked(),
                    isolation));
            sb.append(String.format(
                    Locale.ROOT, "  %-22s %s%n", "one job's SSE stream", String.join(" → ", statusApi.stream())));
        }
        return sb.toString();
    }

    static String dollars(long micros) {
        return Money.dollars(micros);
    }
}
