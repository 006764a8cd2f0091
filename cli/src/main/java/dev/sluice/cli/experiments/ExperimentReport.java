package dev.sluice.cli.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.Percentiles;
import dev.sluice.model.Feedback;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment's outcome per variant: jobs, success rate, users' feedback, latency and cost, each
 * rate and mean with a 95 % confidence interval, and against the control variant the differences
 * with their intervals and a plain verdict. Success and feedback (scores from 0 to 1) are
 * proportions: Wilson's interval, and Newcombe's for a difference; cost is a mean: Student's t, and
 * Welch's for a difference. A job is a result whose metadata names a variant of
 * the experiment ({@code sluice.experiment.<name>}); duplicates (their original is counted) are
 * left out. A job's feedback is the latest for its requestId.
 */
public final class ExperimentReport {
    /** The normal quantile of a two-sided 95 % interval. */
    static final double Z = 1.959964;
    /** Jobs (and feedback scores) each side needs before the verdict counts them: intervals of fewer mislead. */
    static final int MIN_SAMPLE = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A value with its 95 % interval; NaN bounds when there is too little to say. */
    public record Interval(double value, double low, double high) {
        boolean above(double x) {
            return low > x;
        }

        boolean below(double x) {
            return high < x;
        }
    }

    /** One variant's figures. {@code feedback} is null when no job of it has feedback. */
    public record Variant(
            String name,
            int jobs,
            int succeeded,
            Interval successRate,
            int withFeedback,
            Interval feedback,
            long p50Ms,
            long p95Ms,
            Interval costPerJobMicros,
            long costPerSuccessMicros) {}

    /** A variant set against the control: the differences (variant minus control) and the verdict. */
    public record Comparison(
            String variant,
            String control,
            Interval successRate,
            Interval feedback,
            Interval costPerJobMicros,
            String verdict) {}

    private final String experiment;
    private final String control;
    private final List<Variant> variants;
    private final List<Comparison> comparisons;

    private ExperimentReport(String experiment, String control, List<Variant> variants, List<Comparison> comparisons) {
        this.experiment = experiment;
        this.control = control;
        this.variants = variants;
        this.comparisons = comparisons;
    }

    /**
     * The report of {@code experiment} from results and feedback. {@code control}: the variant the
     * others are compared with; null for the one named "control", else the first by name.
     */
    public static ExperimentReport of(
            String experiment, Collection<LlmResult> results, Collection<Feedback> feedback, String control) {
        String key = TenantConfig.experimentKey(experiment);
        Map<String, Feedback> latest = new LinkedHashMap<>();
        for (Feedback f : feedback) {
            latest.merge(
                    f.tenantId() + '\u0000' + f.requestId(),
                    f,
                    (a, b) -> b.createdAt().isAfter(a.createdAt()) ? b : a);
        }
        Map<String, List<LlmResult>> byVariant = new TreeMap<>();
        for (LlmResult r : results) {
            String v = r.metadata().get(key);
            if (v != null && r.duplicateOf() == null) {
                byVariant.computeIfAbsent(v, x -> new ArrayList<>()).add(r);
            }
        }
        List<Variant> variants = new ArrayList<>();
        Map<String, double[]> scores = new LinkedHashMap<>();
        Map<String, long[]> costs = new LinkedHashMap<>();
        byVariant.forEach((name, rs) -> {
            double[] s = rs.stream()
                    .map(r -> latest.get(r.tenantId() + '\u0000' + r.requestId()))
                    .filter(java.util.Objects::nonNull)
                    .mapToDouble(Feedback::score)
                    .toArray();
            long[] c = rs.stream().mapToLong(LlmResult::costMicros).toArray();
            scores.put(name, s);
            costs.put(name, c);
            variants.add(variant(name, rs, s, c));
        });
        String chosen = control != null
                ? control
                : byVariant.containsKey("control")
                        ? "control"
                        : byVariant.isEmpty()
                                ? null
                                : byVariant.keySet().iterator().next();
        List<Comparison> comparisons = new ArrayList<>();
        Variant base = variants.stream()
                .filter(v -> v.name().equals(chosen))
                .findFirst()
                .orElse(null);
        if (base != null) {
            for (Variant v : variants) {
                if (!v.name().equals(chosen)) {
                    comparisons.add(compare(
                            v, base, scores.get(v.name()), scores.get(chosen), costs.get(v.name()), costs.get(chosen)));
                }
            }
        }
        return new ExperimentReport(experiment, chosen, List.copyOf(variants), List.copyOf(comparisons));
    }

    /** Scores from 0 to 1 as a proportion: their mean over their count, with Wilson's interval. */
    static Interval scores(double[] xs) {
        return wilson(java.util.Arrays.stream(xs).average().orElse(0), xs.length);
    }

    private static Variant variant(String name, List<LlmResult> rs, double[] scores, long[] costs) {
        int succeeded = (int)
                rs.stream().filter(r -> r.status() == ResultStatus.SUCCEEDED).count();
        long[] latencies = rs.stream()
                .filter(r -> r.status() == ResultStatus.SUCCEEDED)
                .mapToLong(r -> Math.max(
                        0, Duration.between(r.createdAt(), r.completedAt()).toMillis()))
                .sorted()
                .toArray();
        long total = java.util.Arrays.stream(costs).sum();
        return new Variant(
                name,
                rs.size(),
                succeeded,
                wilson(succeeded, rs.size()),
                scores.length,
                scores.length == 0 ? null : scores(scores),
                Percentiles.nearestRank(latencies, 50),
                Percentiles.nearestRank(latencies, 95),
                mean(java.util.Arrays.stream(costs).asDoubleStream().toArray()),
                succeeded == 0 ? -1 : Math.round((double) total / succeeded));
    }

    private static Comparison compare(
            Variant v, Variant c, double[] vScores, double[] cScores, long[] vCosts, long[] cCosts) {
        Interval success = newcombe(v.succeeded(), v.jobs(), c.succeeded(), c.jobs());
        // Scores lie between 0 and 1, so their variance is at most mean * (1 - mean): treated as
        // proportions, they get Wilson's and Newcombe's intervals, which stay honest for a handful of
        // scores that happen to agree (a normal interval would be zero wide there).
        Interval feedback = vScores.length == 0 || cScores.length == 0
                ? null
                : newcombe(v.feedback().value(), vScores.length, c.feedback().value(), cScores.length);
        Interval cost = welch(
                java.util.Arrays.stream(vCosts).asDoubleStream().toArray(),
                java.util.Arrays.stream(cCosts).asDoubleStream().toArray());
        return new Comparison(v.name(), c.name(), success, feedback, cost, verdict(v, c, success, feedback, cost));
    }

    /**
     * In words: worse on a quality signal (success rate, feedback) keeps the control; better on
     * one, and not worse on the other, favours the variant, weighed against cost; else cost decides;
     * else there is no clear difference yet. "Clear" means the 95 % interval leaves out zero. No
     * verdict before {@link #MIN_SAMPLE} jobs a side, and feedback counts from that many scores a side.
     */
    static String verdict(Variant v, Variant c, Interval success, Interval feedback, Interval cost) {
        if (v.jobs() < MIN_SAMPLE || c.jobs() < MIN_SAMPLE) {
            return "Too few jobs yet (" + v.jobs() + " and " + c.jobs() + "; a verdict takes " + MIN_SAMPLE
                    + " of each): keep collecting.";
        }
        // Feedback speaks once each side has enough of it.
        if (v.withFeedback() < MIN_SAMPLE || c.withFeedback() < MIN_SAMPLE) {
            feedback = null;
        }
        List<String> worse = new ArrayList<>();
        List<String> better = new ArrayList<>();
        if (success.below(0)) {
            worse.add("success rate");
        } else if (success.above(0)) {
            better.add("success rate");
        }
        if (feedback != null && feedback.below(0)) {
            worse.add("feedback");
        } else if (feedback != null && feedback.above(0)) {
            better.add("feedback");
        }
        boolean cheaper = cost.below(0);
        boolean dearer = cost.above(0);
        String costChange = c.costPerJobMicros().value() == 0
                ? ""
                : String.format(
                        Locale.ROOT,
                        " (%+.0f %% per job)",
                        100 * cost.value() / c.costPerJobMicros().value());
        String n = String.format(Locale.ROOT, "%d and %d jobs", v.jobs(), c.jobs());
        if (!worse.isEmpty()) {
            return v.name() + " is worse than " + c.name() + " on " + String.join(" and ", worse) + ": keep " + c.name()
                    + ".";
        }
        if (!better.isEmpty()) {
            String on = String.join(" and ", better);
            if (cheaper) {
                return v.name() + " is better on " + on + " and cheaper" + costChange + ": switch to " + v.name() + ".";
            }
            if (dearer) {
                return v.name() + " is better on " + on + " but dearer" + costChange + ": weigh the gain against"
                        + " the cost.";
            }
            return v.name() + " is better on " + on + " at no clear difference in cost: switch to " + v.name() + ".";
        }
        if (cheaper) {
            return v.name() + " is cheaper" + costChange + " with no clear difference in quality (" + n
                    + "): switch to " + v.name() + " unless a smaller loss matters to you.";
        }
        if (dearer) {
            return v.name() + " is dearer" + costChange + " with no clear gain in quality: keep " + c.name() + ".";
        }
        return "No clear difference yet between " + v.name() + " and " + c.name() + " (" + n + "): keep collecting.";
    }

    /** Wilson's score interval of a proportion; NaN bounds with no trials. */
    static Interval wilson(int successes, int trials) {
        return wilson(trials == 0 ? 0 : (double) successes / trials, trials);
    }

    /** Wilson's score interval of proportion {@code p} observed over {@code trials}. */
    static Interval wilson(double p, int trials) {
        if (trials == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN);
        }
        double z2 = Z * Z;
        double centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
        double half = Z * Math.sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / (1 + z2 / trials);
        return new Interval(p, Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /** Newcombe's interval (method 10, from Wilson's) of the difference of two proportions, a minus b. */
    static Interval newcombe(int sa, int na, int sb, int nb) {
        return newcombe(na == 0 ? 0 : (double) sa / na, na, nb == 0 ? 0 : (double) sb / nb, nb);
    }

    /** As {@link #newcombe(int, int, int, int)}, for proportions {@code pa} over {@code na} and {@code pb} over {@code nb}. */
    static Interval newcombe(double pa, int na, double pb, int nb) {
        Interval a = wilson(pa, na);
        Interval b = wilson(pb, nb);
        double d = a.value() - b.value();
        double low = d - Math.sqrt(Math.pow(a.value() - a.low(), 2) + Math.pow(b.high() - b.value(), 2));
        double high = d + Math.sqrt(Math.pow(a.high() - a.value(), 2) + Math.pow(b.value() - b.low(), 2));
        return new Interval(d, low, high);
    }

    /** A mean with Student's t interval; NaN bounds with fewer than two values. */
    static Interval mean(double[] xs) {
        if (xs.length == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN);
        }
        double m = java.util.Arrays.stream(xs).average().orElse(0);
        if (xs.length < 2) {
            return new Interval(m, Double.NaN, Double.NaN);
        }
        double half = t975(xs.length - 1) * Math.sqrt(variance(xs, m) / xs.length);
        return new Interval(m, m - half, m + half);
    }

    /**
     * The difference of two means (a minus b) with Welch's interval: Student's t at the
     * Welch–Satterthwaite degrees of freedom (rounded down, so the interval errs wide).
     */
    static Interval welch(double[] a, double[] b) {
        double ma = java.util.Arrays.stream(a).average().orElse(Double.NaN);
        double mb = java.util.Arrays.stream(b).average().orElse(Double.NaN);
        if (a.length < 2 || b.length < 2) {
            return new Interval(ma - mb, Double.NaN, Double.NaN);
        }
        double qa = variance(a, ma) / a.length;
        double qb = variance(b, mb) / b.length;
        double denominator = qa * qa / (a.length - 1) + qb * qb / (b.length - 1);
        double df = denominator == 0 ? Double.POSITIVE_INFINITY : (qa + qb) * (qa + qb) / denominator;
        double half = t975(df) * Math.sqrt(qa + qb);
        return new Interval(ma - mb, ma - mb - half, ma - mb + half);
    }

    /** Student's t quantile 0.975 for 1 to 30 degrees of freedom (published tables). */
    private static final double[] T975 = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
        2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
    };

    /**
     * Student's t quantile 0.975 at {@code df} degrees of freedom, rounded down: the table to 30,
     * then the Cornish-Fisher expansion about the normal quantile (within 0.001 of the exact
     * value from 30 on).
     */
    static double t975(double df) {
        if (Double.isInfinite(df)) {
            return Z;
        }
        int v = Math.max(1, (int) Math.floor(df));
        if (v <= T975.length) {
            return T975[v - 1];
        }
        double z3 = Z * Z * Z;
        return Z + (z3 + Z) / (4.0 * v) + (5 * z3 * Z * Z + 16 * z3 + 3 * Z) / (96.0 * v * v);
    }

    private static double variance(double[] xs, double mean) {
        double sum = 0;
        for (double x : xs) {
            sum += (x - mean) * (x - mean);
        }
        return sum / (xs.length - 1);
    }

    public String experiment() {
        return experiment;
    }

    public String control() {
        return control;
    }

    public List<Variant> variants() {
        return variants;
    }

    public List<Comparison> comparisons() {
        return comparisons;
    }

    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("experiment", experiment);
        root.put("control", control);
        var vs = root.putArray("variants");
        for (Variant v : variants) {
            ObjectNode n = vs.addObject();
            n.put("name", v.name()).put("jobs", v.jobs()).put("succeeded", v.succeeded());
            n.set("successRate", interval(v.successRate()));
            n.put("withFeedback", v.withFeedback());
            n.set("feedback", v.feedback() == null ? null : interval(v.feedback()));
            n.put("p50Ms", v.p50Ms()).put("p95Ms", v.p95Ms());
            n.set("costPerJobMicros", interval(v.costPerJobMicros()));
            n.put("costPerSuccessMicros", v.costPerSuccessMicros());
        }
        var cs = root.putArray("comparisons");
        for (Comparison c : comparisons) {
            ObjectNode n = cs.addObject();
            n.put("variant", c.variant()).put("control", c.control());
            n.set("successRateChange", interval(c.successRate()));
            n.set("feedbackChange", c.feedback() == null ? null : interval(c.feedback()));
            n.set("costPerJobMicrosChange", interval(c.costPerJobMicros()));
            n.put("verdict", c.verdict());
        }
        return root;
    }

    private static ObjectNode interval(Interval i) {
        ObjectNode n = JSON.createObjectNode();
        put(n, "value", i.value());
        put(n, "low", i.low());
        put(n, "high", i.high());
        return n;
    }

    private static void put(ObjectNode n, String field, double v) {
        if (Double.isNaN(v)) {
            n.putNull(field);
        } else {
            n.put(field, Math.round(v * 1_000_000) / 1_000_000.0);
        }
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Experiment %s (control: %s)%n%n", experiment, control));
        out.append(String.format(
                Locale.ROOT,
                "  %-16s %6s  %-22s  %-24s %7s %7s  %-28s %12s%n",
                "variant",
                "jobs",
                "success (95% CI)",
                "feedback (n, 95% CI)",
                "p50",
                "p95",
                "$/job (95% CI)",
                "$/success"));
        for (Variant v : variants) {
            out.append(String.format(
                    Locale.ROOT,
                    "  %-16s %6d  %-22s  %-24s %5dms %5dms  %-28s %12s%n",
                    v.name(),
                    v.jobs(),
                    percent(v.successRate()),
                    v.feedback() == null ? "-" : v.withFeedback() + ", " + score(v.feedback()),
                    v.p50Ms(),
                    v.p95Ms(),
                    dollars(v.costPerJobMicros()),
                    v.costPerSuccessMicros() < 0 ? "-" : micros(v.costPerSuccessMicros())));
        }
        for (Comparison c : comparisons) {
            out.append(String.format(
                    Locale.ROOT,
                    "%n%s against %s: success %s pp, feedback %s, $/job %s%n  %s%n",
                    c.variant(),
                    c.control(),
                    points(c.successRate()),
                    c.feedback() == null ? "-" : signed(c.feedback(), "%+.3f"),
                    signedMicros(c.costPerJobMicros()),
                    c.verdict()));
        }
        if (variants.isEmpty()) {
            out.append("  no results name a variant of ").append(experiment).append(" in this window\n");
        }
        return out.toString();
    }

    private static String percent(Interval i) {
        return Double.isNaN(i.low())
                ? "-"
                : String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * i.value(), 100 * i.low(), 100 * i.high());
    }

    private static String score(Interval i) {
        return Double.isNaN(i.low())
                ? String.format(Locale.ROOT, "%.3f", i.value())
                : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.value(), i.low(), i.high());
    }

    private static String dollars(Interval i) {
        return Double.isNaN(i.low())
                ? micros(Math.round(i.value()))
                : micros(Math.round(i.value())) + " [" + micros(Math.round(i.low())) + ", "
                        + micros(Math.round(i.high())) + "]";
    }

    private static String points(Interval i) {
        return Double.isNaN(i.low())
                ? "-"
                : String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f]", 100 * i.value(), 100 * i.low(), 100 * i.high());
    }

    private static String signed(Interval i, String format) {
        return Double.isNaN(i.low())
                ? String.format(Locale.ROOT, format, i.value())
                : String.format(
                        Locale.ROOT, format + " [" + format + ", " + format + "]", i.value(), i.low(), i.high());
    }

    private static String signedMicros(Interval i) {
        return (i.value() < 0 ? "-" : "+")
                + micros(Math.round(Math.abs(i.value())))
                + (Double.isNaN(i.low()) ? "" : String.format(Locale.ROOT, " [%+.0f, %+.0f] µ$", i.low(), i.high()));
    }

    private static String micros(long m) {
        return dev.sluice.cli.Money.dollars(m);
    }
}
