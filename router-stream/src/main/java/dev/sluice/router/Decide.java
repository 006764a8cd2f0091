package dev.sluice.router;

import dev.sluice.router.state.RouterState;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** The Streams processor around {@link RouterCore}: opens the stores, hands each input over, forwards decisions. */
final class Decide extends ContextualProcessor<String, RouterInput, String, Decision> {
    private final ModelCatalogue catalogue;
    private final Duration dedupeWindow;
    private final Duration singleFlightWait;
    private RouterCore core;
    private long timestamp = -1;

    Decide(ModelCatalogue catalogue, Duration dedupeWindow, Duration singleFlightWait) {
        this.catalogue = catalogue;
        this.dedupeWindow = dedupeWindow;
        this.singleFlightWait = singleFlightWait;
    }

    @Override
    public void init(ProcessorContext<String, Decision> context) {
        super.init(context);
        RouterCore[] self = new RouterCore[1];
        RouterState state = RouterState.open(context,
                (key, entry) -> self[0].onDedupeExpired(key, entry, context.currentSystemTimeMs()),
                (key, flight) -> self[0].onInFlightExpired(key, flight, context.currentSystemTimeMs()));
        core = new RouterCore(state, new JobPlanner(catalogue), new TenantLookup(context), dedupeWindow.toMillis(),
                singleFlightWait.toMillis(), this::forward);
        self[0] = core;
    }

    @Override
    public void process(Record<String, RouterInput> record) {
        timestamp = record.timestamp();
        long now = context().currentSystemTimeMs();
        try {
            switch (record.value()) {
                case RouterInput.Request r -> core.onRequest(r.planned(), now);
                case RouterInput.Result r -> core.onResult(r.result(), now);
                case RouterInput.Cost c -> core.onCost(c.cost(), now);
            }
        } finally {
            timestamp = -1;
        }
    }

    private void forward(Decision decision) {
        String tenantId = switch (decision) {
            case Decision.Route r -> r.job().tenantId();
            case Decision.Complete c -> c.result().tenantId();
        };
        // Decisions made in a punctuation have no input record; they take the wall-clock time.
        long ts = timestamp >= 0 ? timestamp : context().currentSystemTimeMs();
        context().forward(new Record<>(tenantId, decision, ts));
    }
}
