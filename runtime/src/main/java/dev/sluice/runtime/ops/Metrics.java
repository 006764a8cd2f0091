package dev.sluice.runtime.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * A Prometheus registry per service, tagged with the service's name, with JVM metrics bound, and
 * what every service's metrics share: the latency buckets and the dead-letter counter. Every series
 * a service exports passes {@code promtool check metrics} (docs/metrics.md, ADR 0016): the filters
 * below drop or rename the few that Kafka's clients and Micrometer's binders name against
 * Prometheus's conventions.
 */
public final class Metrics {
    /**
     * The buckets of every latency histogram, in seconds: fine below a second for the stages, 10 s
     * for the end-to-end objective, and up to a day, as far as a batch job or a webhook's last retry
     * can go. One set everywhere, so any two stages can be compared bucket by bucket.
     */
    public static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(30),
        Duration.ofHours(2),
        Duration.ofHours(6),
        Duration.ofHours(24)
    };

    /** Name parts promtool reads as abbreviated units ("metric names should not contain abbreviated units"). */
    private static final Set<String> ABBREVIATED_UNITS = Set.of("s", "ms", "us", "ns", "sec");

    private Metrics() {}

    public static PrometheusMeterRegistry newRegistry(String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config()
                .commonTags("service", service)
                .meterFilter(MeterFilter.deny(Metrics::unconventional))
                .meterFilter(MeterFilter.deny(Metrics::kafkaRecordsLag))
                .meterFilter(renamed())
                .meterFilter(described());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        @SuppressWarnings("resource") // lives as long as the registry; the JVM ends both
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            // Prometheus's own name for it, in seconds; Micrometer's process.cpu.time is in nanoseconds.
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time the JVM process has used")
                    .register(registry);
        }
        return registry;
    }

    /** A latency histogram with {@link #LATENCY_BUCKETS}; the caller adds tags and registers it. */
    public static Timer.Builder latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS);
    }

    /**
     * The counter of dead letters a service wrote at one stage: the stage is the one on the
     * {@code DeadLetter} record, so a count leads straight to the letters.
     */
    public static Counter deadLetters(MeterRegistry registry, String stage) {
        return Counter.builder("sluice_dead_letters_total")
                .tag("stage", stage)
                .description("Records written to the dead-letter topic, by the stage that could not process them")
                .register(registry);
    }

    /**
     * Kafka client metrics whose names carry a unit abbreviation (time-ns-total, start-time-ms): their
     * values are in that unit, so they cannot simply be renamed to seconds. Kafka gauges whose names
     * end in -count (connection-count, active-buffer-count), which promtool keeps for histograms:
     * renamed, Micrometer's Kafka binder could no longer find them by Kafka's name, and a task's
     * series would outlive the task. Micrometer's own process.cpu.time, in nanoseconds, is replaced
     * by process_cpu_seconds_total.
     */
    static boolean unconventional(Meter.Id id) {
        String name = id.getName();
        if (name.equals("process.cpu.time")) {
            return true;
        }
        return name.startsWith("kafka.")
                && (name.endsWith(".count") && id.getType() != Meter.Type.COUNTER
                        || Arrays.stream(name.split("\\.")).anyMatch(ABBREVIATED_UNITS::contains));
    }

    /**
     * The clients' own lag (records-lag, -avg, -max): per client, with no group, and frozen while a
     * partition is paused. sluice_consumer_lag_records replaces them (ConsumerLag), so that each
     * partition's lag is exported once.
     */
    static boolean kafkaRecordsLag(Meter.Id id) {
        return id.getName().startsWith("kafka.") && id.getName().contains(".records.lag");
    }

    /** Micrometer's system.cpu.count, a gauge ending in _count, which promtool keeps for histograms. */
    private static MeterFilter renamed() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
            }
        };
    }

    /** A few Kafka client metrics come without a description; Prometheus wants HELP on every series. */
    private static MeterFilter described() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (!id.getName().startsWith("kafka.")
                        || id.getDescription() != null && !id.getDescription().isBlank()) {
                    return id;
                }
                return new Meter.Id(
                        id.getName(),
                        Tags.of(id.getTagsAsIterable()),
                        id.getBaseUnit(),
                        "Kafka client metric " + id.getName().substring("kafka.".length()),
                        id.getType());
            }
        };
    }
}
