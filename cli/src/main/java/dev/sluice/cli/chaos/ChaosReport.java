package dev.sluice.cli.chaos;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chaos run saw: each kill, and whether every acked job ended with exactly one result.
 *
 * @param membership {@code static} or {@code dynamic} group membership of the services
 */
public record ChaosReport(List<Kill> kills, Totals totals, String membership) {

    /**
     * One kill -9 and restart.
     *
     * @param restartSeconds from the kill until the restarted part was ready
     * @param gapSeconds the longest time without a new result, among the jobs that pass the killed part,
     *     from the kill until the next kill (or the end of the load)
     * @param jobsInFlight acked jobs without a result at the kill
     */
    public record Kill(Target target, Instant killedAt, double restartSeconds, double gapSeconds, int jobsInFlight) {}

    /**
     * @param missing acked jobs without a result
     * @param duplicates acked jobs with more than one result
     * @param jobsNotOnce acked jobs not on the job topics exactly once (the router's exactly-once)
     * @param completionsRepeated completions written more than once for a job (the sink keeps one)
     * @param providerCallsRepeated provider answers to a prompt answered before (every prompt is unique)
     * @param jobsInFlightAtKills the sum of jobs in flight over the kills: the most calls a crash may repeat
     */
    public record Totals(
            long sent,
            long accepted,
            long refused,
            long results,
            long missing,
            long duplicates,
            long jobsNotOnce,
            long completionsRepeated,
            long providerCalls,
            long providerCallsRepeated,
            long jobsInFlightAtKills,
            double seconds) {}

    /** Every acked job has exactly one result. */
    public boolean exactlyOnce() {
        return totals.missing() == 0 && totals.duplicates() == 0;
    }

    /** The longest silence among {@code arrivals} (sorted) within [from, to], the edges included. */
    static Duration longestSilence(Instant from, Instant to, List<Instant> arrivals) {
        Duration longest = Duration.ZERO;
        Instant previous = from;
        for (Instant a : arrivals) {
            if (a.isBefore(from)) {
                continue;
            }
            if (a.isAfter(to)) {
                break;
            }
            Duration silence = Duration.between(previous, a);
            longest = silence.compareTo(longest) > 0 ? silence : longest;
            previous = a;
        }
        Duration tail = Duration.between(previous, to);
        return tail.compareTo(longest) > 0 ? tail : longest;
    }

    String table() {
        DateTimeFormatter time = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                "Sluice chaos: %d kills under %d jobs over %.0f s, %s group membership%n%n",
                kills.size(), totals.sent(), totals.seconds(), membership));
        out.append(String.format("  %-16s %-9s %9s %9s %9s%n", "killed", "at", "restart", "gap", "in flight"));
        for (Kill k : kills) {
            out.append(String.format(
                    "  %-16s %-9s %8.1fs %8.1fs %9d%n",
                    k.target().label(),
                    time.format(k.killedAt()),
                    k.restartSeconds(),
                    k.gapSeconds(),
                    k.jobsInFlight()));
        }
        out.append(String.format("%n  %-34s %8d%n", "accepted (202 or acked produce)", totals.accepted()));
        out.append(String.format("  %-34s %8d%n", "refused while a part was down", totals.refused()));
        out.append(String.format("  %-34s %8d%n", "results", totals.results()));
        out.append(String.format("  %-34s %8d%n", "missing", totals.missing()));
        out.append(String.format("  %-34s %8d%n", "duplicates", totals.duplicates()));
        out.append(String.format("  %-34s %8d%n", "jobs not routed exactly once", totals.jobsNotOnce()));
        out.append(String.format("  %-34s %8d%n", "completions written twice", totals.completionsRepeated()));
        out.append(String.format(
                "  %-34s %8d of %d (bound: %d in flight at the kills)%n",
                "provider calls repeated",
                totals.providerCallsRepeated(),
                totals.providerCalls(),
                totals.jobsInFlightAtKills()));
        out.append(String.format(
                "%n  %s%n",
                exactlyOnce()
                        ? "every accepted job has exactly one result"
                        : "FAILED: some accepted jobs do not have exactly one result"));
        return out.toString();
    }

    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("membership", membership);
        out.put(
                "kills",
                kills.stream()
                        .map(k -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("service", k.target().label());
                            m.put("killedAt", k.killedAt().toString());
                            m.put("restartSeconds", round(k.restartSeconds()));
                            m.put("gapSeconds", round(k.gapSeconds()));
                            m.put("jobsInFlight", k.jobsInFlight());
                            return m;
                        })
                        .toList());
        out.put("sent", totals.sent());
        out.put("accepted", totals.accepted());
        out.put("refused", totals.refused());
        out.put("results", totals.results());
        out.put("missing", totals.missing());
        out.put("duplicates", totals.duplicates());
        out.put("jobsNotRoutedOnce", totals.jobsNotOnce());
        out.put("completionsRepeated", totals.completionsRepeated());
        out.put("providerCalls", totals.providerCalls());
        out.put("providerCallsRepeated", totals.providerCallsRepeated());
        out.put("jobsInFlightAtKills", totals.jobsInFlightAtKills());
        out.put("seconds", round(totals.seconds()));
        out.put("exactlyOnce", exactlyOnce());
        return out;
    }

    private static double round(double seconds) {
        return Math.round(seconds * 10) / 10.0;
    }
}
