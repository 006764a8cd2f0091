package dev.sluice.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The registry every service scrapes: Kafka's and Micrometer's few unconventional series dropped
 * or renamed so that promtool passes them, HELP on every Kafka series, one set of latency buckets.
 * (MetricsIT runs promtool itself on every service's real scrape.)
 */
class MetricsTest {
    private final PrometheusMeterRegistry registry = Metrics.newRegistry("test-service");

    private void kafkaGauge(String name, String description) {
        Gauge.builder(name, () -> 1).description(description).register(registry);
    }

    @Test
    void shouldDropKafkaSeriesNamedInAbbreviatedUnitsAndTheClientsOwnLag() {
        kafkaGauge("kafka.consumer.io.time.ns.total", "time in ns");
        kafkaGauge("kafka.app.info.start.time.ms", "start");
        kafkaGauge("kafka.consumer.fetch.manager.records.lag.max", "lag");
        kafkaGauge("kafka.consumer.fetch.manager.records.lag", "lag");
        kafkaGauge("kafka.consumer.fetch.manager.records.consumed.rate", "rate");

        String scrape = registry.scrape();

        assertThat(scrape)
                .doesNotContain("_ns_")
                .doesNotContain("start_time_ms")
                .doesNotContain("records_lag")
                .contains("kafka_consumer_fetch_manager_records_consumed_rate{");
    }

    @Test
    void shouldLeaveNoGaugeWhoseNameEndsInCount() {
        kafkaGauge("kafka.producer.connection.count", "connections");
        kafkaGauge("kafka.stream.task.active.buffer.count", "buffered records");
        FunctionCounter.builder("kafka.consumer.fetch.manager.records.consumed.total", this, t -> 1)
                .description("records")
                .register(registry);

        String scrape = registry.scrape();

        assertThat(scrape)
                .doesNotContain("connection_count")
                .doesNotContain("active_buffer_count")
                .doesNotContain("system_cpu_count")
                .contains("system_cpu_cores{")
                .contains("kafka_consumer_fetch_manager_records_consumed_total{");
    }

    @Test
    void shouldGiveAKafkaSeriesWithoutADescriptionHelpText() {
        Gauge.builder("kafka.producer.node.request.latency.avg", () -> 1).register(registry);

        assertThat(registry.scrape())
                .contains("# HELP kafka_producer_node_request_latency_avg Kafka client metric"
                        + " producer.node.request.latency.avg");
    }

    @Test
    void shouldExportProcessCpuInSecondsUnderPrometheussOwnName() {
        String scrape = registry.scrape();

        assertThat(scrape).contains("# TYPE process_cpu_seconds_total counter").doesNotContain("process_cpu_time");
        assertThat(registry.find("process.cpu").functionCounter())
                .extracting(FunctionCounter::count)
                .satisfies(seconds -> assertThat(seconds).isPositive().isLessThan(3_600.0));
    }

    @Test
    void shouldExportEveryLatencyAsAHistogramWithTheSameBucketsInSeconds() {
        Metrics.latency("sluice_test_stage", "a stage").register(registry).record(Duration.ofMillis(7));

        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("# TYPE sluice_test_stage_seconds histogram")
                .contains("sluice_test_stage_seconds_bucket{service=\"test-service\",le=\"0.005\"} 0")
                .contains("sluice_test_stage_seconds_bucket{service=\"test-service\",le=\"0.01\"} 1")
                .contains("sluice_test_stage_seconds_bucket{service=\"test-service\",le=\"10.0\"} 1")
                .contains("sluice_test_stage_seconds_bucket{service=\"test-service\",le=\"86400.0\"} 1");
    }

    @Test
    void shouldCountDeadLettersByStageUnderOneNameInEveryService() {
        Metrics.deadLetters(registry, "deserialize").increment();
        Metrics.deadLetters(registry, "deliver").increment();

        assertThat(registry.scrape())
                .contains("sluice_dead_letters_total{service=\"test-service\",stage=\"deserialize\"} 1.0")
                .contains("sluice_dead_letters_total{service=\"test-service\",stage=\"deliver\"} 1.0");
    }
}
