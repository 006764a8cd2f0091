package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.SpendPeriod;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.Usage;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The spend ledger alone: what a task finds marked unsent when it starts, and when it schedules a write. */
class SpendLedgerTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private final SluiceSerdes serdes = new SluiceSerdes(InMemorySchemaRegistry.forScope("spend-ledger-test"));
    private MockProcessorContext<String, TenantSpend> context;
    private KeyValueStore<String, SinkTopology.Held> ledger;

    @BeforeEach
    void stores() {
        context = new MockProcessorContext<>();
        ledger = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(SinkTopology.LEDGER_STORE),
                        Serdes.String(),
                        SinkTopology.Held.serde(serdes.spend()))
                .withLoggingDisabled()
                .build();
        ledger.init(context.getStateStoreContext(), ledger);
        context.addStateStore(ledger);
        TimestampedKeyValueStore<String, TenantSpend> seed = Stores.timestampedKeyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(SinkTopology.SEED_STORE), Serdes.String(), serdes.spend())
                .withLoggingDisabled()
                .build();
        seed.init(context.getStateStoreContext(), seed);
        context.addStateStore(seed);
    }

    @Test
    void shouldWriteATotalThatWasMarkedUnsentWhenItsTaskStopped() {
        // Committed with its mark before a crash, so never written to llm.spend.
        TenantSpend total = new TenantSpend("acme", SpendPeriod.MONTH, "2026-11", 4_200, 3, T0);
        ledger.put("acme/2026-11", new SinkTopology.Held(total, true));
        ledger.put(
                "acme/2026-10",
                new SinkTopology.Held(new TenantSpend("acme", SpendPeriod.MONTH, "2026-10", 9, 1, T0), false));

        SinkTopology.SpendLedger processor = new SinkTopology.SpendLedger();
        processor.init(context);
        assertThat(context.scheduledPunctuators()).hasSize(1);
        fire();

        assertThat(context.forwarded())
                .extracting(f -> f.record().key(), f -> f.record().value())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("acme/2026-11", total));
        assertThat(ledger.get("acme/2026-11").unsent()).isFalse();
    }

    @Test
    void shouldScheduleAWriteOnlyWhileATotalWaitsForIt() {
        SinkTopology.SpendLedger processor = new SinkTopology.SpendLedger();
        processor.init(context);
        assertThat(context.scheduledPunctuators())
                .as("nothing to write: no punctuation, no commit")
                .isEmpty();

        processor.process(new Record<>("acme", cost("e-1", 100), 0L));
        processor.process(new Record<>("acme", cost("e-2", 50), 0L));
        assertThat(context.scheduledPunctuators()).hasSize(1);
        fire();

        assertThat(context.forwarded())
                .hasSize(2)
                .allSatisfy(f -> assertThat(f.record().value().spentMicros()).isEqualTo(150));
        assertThat(context.scheduledPunctuators().getFirst().cancelled())
                .as("cancelled once written")
                .isTrue();
    }

    private void fire() {
        List<CapturedPunctuator> punctuators = context.scheduledPunctuators();
        punctuators.getLast().getPunctuator().punctuate(0L);
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
                T0);
    }
}
