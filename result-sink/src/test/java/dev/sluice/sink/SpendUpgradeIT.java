package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.Usage;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upgrade on a real broker, from the version that summed spend through a repartition by period
 * into {@code tenant-spend-store}, to the ledger in the task of the tenant's cost events.
 */
@SluiceKafka
class SpendUpgradeIT {
    private static final Instant AT = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void shouldCarryOnFromTheEarlierVersionsTotalsAndCountWhatItsRepartitionStillHeld(
            KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("sink.state.dir", dir.resolve("now").toString());
        values.put("webhooks.enabled", "false");
        Settings settings = new Settings(ConfigSource.of(values));
        SinkConfig config = SinkConfig.read(settings);
        settings.validate();
        TopicCreator.ensure(config.kafka());
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));

        try (KafkaProducer<String, byte[]> producer = kafka.producer()) {
            // The earlier version: the same application, with its topology of then.
            Map<String, Object> props =
                    ClientProps.streams(config.kafka(), config.applicationId(), dir.resolve("then"));
            try (KafkaStreams then = new KafkaStreams(earlierVersion(topics, serdes), new StreamsConfig(props))) {
                then.start();
                for (int i = 0; i < 10; i++) {
                    send(producer, serdes, topics.costEvents(), "acme", cost("e-" + i, 100));
                }
                await(kafka, topics, serdes, "acme/2026-11", 1_000, 10);
                then.close(Duration.ofSeconds(30));
            }
            // What it had repartitioned but not yet summed when it stopped: one record per period.
            String repartition = config.applicationId() + "-" + SinkTopology.LEGACY_REPARTITION + "-repartition";
            CostEvent unsummed = cost("e-unsummed", 50);
            send(producer, serdes, repartition, "acme/2026-11-22", unsummed);
            send(producer, serdes, repartition, "acme/2026-11", unsummed);

            try (SinkService sink = new SinkService(config)) {
                sink.start();
                send(producer, serdes, topics.costEvents(), "acme", cost("e-new", 7));

                // The two leftover records lie on partitions of their own, so each total is awaited.
                await(kafka, topics, serdes, "acme/2026-11", 1_057, 12);
                Map<String, TenantSpend> latest = await(kafka, topics, serdes, "acme/2026-11-22", 1_057, 12);
                assertThat(latest.get("acme/2026-11").spentMicros()).isEqualTo(1_057);
            }
        }
    }

    /** The spend part of the sink's topology before the ledger, as it was. */
    private static Topology earlierVersion(Topics topics, SluiceSerdes serdes) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(
                        topics.costEvents(),
                        Consumed.with(Serdes.String(), serdes.costEvents()).withName("cost-events-source"))
                .flatMap(
                        (tenant, cost) -> {
                            LocalDate day = LocalDate.ofInstant(cost.occurredAt(), ZoneOffset.UTC);
                            String id = cost.tenantId();
                            return List.of(
                                    KeyValue.pair(SinkTopology.spendKey(id, day.toString()), cost),
                                    KeyValue.pair(
                                            SinkTopology.spendKey(
                                                    id, YearMonth.from(day).toString()),
                                            cost));
                        },
                        Named.as("spend-periods"))
                .groupByKey(Grouped.with(SinkTopology.LEGACY_REPARTITION, Serdes.String(), serdes.costEvents()))
                .aggregate(
                        () -> null,
                        SinkTopology::addCost,
                        Named.as("spend-sum"),
                        Materialized.<String, TenantSpend, KeyValueStore<Bytes, byte[]>>as("tenant-spend-store")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(serdes.spend()))
                .toStream(Named.as("spend-changes"))
                // Partitioned by tenant, as that version wrote llm.spend too (037a36e): a total's
                // records must share a partition with the ledger's, or a reader could take the
                // earlier version's for the latest.
                .to(
                        topics.spend(),
                        Produced.with(Serdes.String(), serdes.spend())
                                .withName("spend-sink")
                                .withStreamPartitioner(SinkTopology::byTenant));
        return builder.build();
    }

    private static Map<String, TenantSpend> await(
            KafkaStack kafka, Topics topics, SluiceSerdes serdes, String key, long micros, long events) {
        Map<String, TenantSpend> latest = new HashMap<>();
        kafka.readUntil(
                topics.spend(),
                records -> {
                    latest.clear();
                    for (ConsumerRecord<String, byte[]> r : records) {
                        latest.put(r.key(), serdes.spend().deserializer().deserialize(topics.spend(), r.value()));
                    }
                    TenantSpend total = latest.get(key);
                    return total != null && total.spentMicros() == micros && total.events() == events;
                },
                Duration.ofSeconds(90));
        assertThat(latest.get(key))
                .as(key)
                .isNotNull()
                .extracting(TenantSpend::spentMicros)
                .isEqualTo(micros);
        return latest;
    }

    private static void send(
            KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, String topic, String key, CostEvent cost)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        topic, key, serdes.costEvents().serializer().serialize(topic, cost)))
                .get();
    }

    private static CostEvent cost(String id, long micros) {
        return new CostEvent(
                id,
                "r-" + id,
                "acme",
                "openai",
                "gpt-4.1-mini",
                new Usage(10, 10, 0, 0),
                micros,
                CostBasis.SYNC,
                null,
                AT);
    }
}
