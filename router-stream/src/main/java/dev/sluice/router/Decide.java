package dev.sluice.router;

import dev.sluice.router.state.Budgets;
import dev.sluice.router.state.RouterState;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** The Streams processor around {@link RouterCore}: opens the stores, hands each input over, forwards decisions. */
final class Decide extends ContextualProcessor<String, RouterInput, String, Decision> {
    private final ModelCatalogue catalogue;
    private final Duration dedupeWindow;
    private final Duration singleFlightWait;
    private final RouterMetrics metrics;
    private RouterCore core;
    private long timestamp = -1;
    private boolean onResult;

    Decide(ModelCatalogue catalogue, Duration dedupeWindow, Duration singleFlightWait, RouterMetrics metrics) {
        this.catalogue = catalogue;
        this.dedupeWindow = dedupeWindow;
        this.singleFlightWait = singleFlightWait;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Decision> context) {
        super.init(context);
        RouterCore[] self = new RouterCore[1];
        RouterState state = RouterState.open(context,
                (key, entry) -> self[0].onDedupeExpired(key, entry, context.currentSystemTimeMs()),
                (key, flight) -> self[0].onInFlightExpired(key, flight, context.currentSystemTimeMs()));
        TenantLookup tenants = new TenantLookup(context);
        core = new RouterCore(state, new JobPlanner(catalogue), tenants, dedupeWindow.toMillis(),
                singleFlightWait.toMillis(), this::forward);
        self[0] = core;
        Budgets budgets = new Budgets(state.budget);
        context.schedule(RouterMetrics.BUDGET_EVERY, PunctuationType.WALL_CLOCK_TIME,
                now -> metrics.budgets(context.taskId().toString(), budgets.current(now), tenants));
    }

    @Override
    public void close() {
        metrics.forgetTask(context().taskId().toString());
    }

    @Override
    public void process(Record<String, RouterInput> record) {
        timestamp = record.timestamp();
        onResult = record.value() instanceof RouterInput.Result;
        long now = context().currentSystemTimeMs();
        try {
            switch (record.value()) {
                case RouterInput.Request r -> core.onRequest(r.planned(), now);
                case RouterInput.Result r -> core.onResult(r.result(), now);
                case RouterInput.Cost c -> core.onCost(c.cost(), now);
            }
        } finally {
            timestamp = -1;
            onResult = false;
        }
    }

    private void forward(Decision decision) {
        String tenantId = switch (decision) {
            case Decision.Route r -> r.job().tenantId();
            case Decision.Complete c -> c.result().tenantId();
        };
        // Decisions made in a punctuation have no input record; they take the wall-clock time.
        long ts = timestamp >= 0 ? timestamp : context().currentSystemTimeMs();
        metrics.decided(decision, onResult, context().currentSystemTimeMs());
        context().forward(new Record<>(tenantId, decision, ts));
    }
}
