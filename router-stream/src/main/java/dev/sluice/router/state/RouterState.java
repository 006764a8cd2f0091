package dev.sluice.router.state;

import dev.sluice.model.LlmResult;
import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.router.semantic.SemanticEntry;
import dev.sluice.router.semantic.SemanticIndex;
import dev.sluice.runtime.streams.ExpiringStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * The router's state stores, each an {@link ExpiringStore} with a changelog, so a restarted or
 * moved task gets them back:
 * <ul>
 *   <li>dedupe: per (tenant, idempotency key), the original request and later its outcome;</li>
 *   <li>exact cache: results to serve again, per tenant-scoped cache key;</li>
 *   <li>semantic cache: what each cached request asked (its task text and embedding), under its
 *       exact-cache key, indexed in memory by scope ({@link SemanticIndex});</li>
 *   <li>in-flight: cacheable requests being answered, and who waits for them (single-flight);</li>
 *   <li>budget: reserved and spent micro-dollars per tenant and UTC day or month.</li>
 * </ul>
 */
public final class RouterState {
    public static final String DEDUPE = "dedupe-store";
    public static final String CACHE = "exact-cache-store";
    public static final String IN_FLIGHT = "in-flight-store";
    public static final String BUDGET = "budget-store";
    public static final String SEMANTIC = "semantic-cache-store";
    private static final Duration PURGE_EVERY = Duration.ofSeconds(1);

    public final ExpiringStore<DedupeEntry> dedupe;
    public final ExpiringStore<LlmResult> cache;
    public final ExpiringStore<InFlight> inFlight;
    public final ExpiringStore<BudgetTotals> budget;
    public final SemanticIndex semantic;

    private RouterState(
            ExpiringStore<DedupeEntry> dedupe,
            ExpiringStore<LlmResult> cache,
            ExpiringStore<InFlight> inFlight,
            ExpiringStore<BudgetTotals> budget,
            SemanticIndex semantic) {
        this.dedupe = dedupe;
        this.cache = cache;
        this.inFlight = inFlight;
        this.budget = budget;
        this.semantic = semantic;
    }

    public static void addTo(StreamsBuilder builder) {
        ExpiringStore.addTo(builder, DEDUPE, new JsonSerde<>(DedupeEntry.class), ExpiringStore.Keys.PER_JOB);
        ExpiringStore.addTo(builder, CACHE, new JsonSerde<>(LlmResult.class), ExpiringStore.Keys.PER_JOB);
        ExpiringStore.addTo(builder, IN_FLIGHT, new JsonSerde<>(InFlight.class), ExpiringStore.Keys.PER_JOB);
        ExpiringStore.addTo(builder, BUDGET, new JsonSerde<>(BudgetTotals.class), ExpiringStore.Keys.FEW);
        ExpiringStore.addTo(builder, SEMANTIC, new JsonSerde<>(SemanticEntry.class), ExpiringStore.Keys.PER_JOB);
    }

    public static String[] storeNames() {
        List<String> names = new ArrayList<>();
        for (String store : List.of(DEDUPE, CACHE, IN_FLIGHT, BUDGET, SEMANTIC)) {
            names.addAll(List.of(ExpiringStore.storeNames(store)));
        }
        return names.toArray(String[]::new);
    }

    /**
     * Opens every store in a processor's init. Expired dedupe entries and in-flight waits are
     * handed to the callbacks, so what they held (a reservation, waiting requests) is not lost.
     * The semantic index is rebuilt from its store, which holds what the changelog restored, on first use.
     */
    public static RouterState open(
            ProcessingContext context,
            ExpiringStore.OnExpiry<DedupeEntry> dedupeExpired,
            ExpiringStore.OnExpiry<InFlight> inFlightExpired,
            SemanticCache semanticCache) {
        SemanticIndex semantic = new SemanticIndex(semanticCache);
        semantic.open(ExpiringStore.open(context, SEMANTIC, PURGE_EVERY, semantic::expired));
        return new RouterState(
                ExpiringStore.open(context, DEDUPE, PURGE_EVERY, dedupeExpired),
                ExpiringStore.open(context, CACHE, PURGE_EVERY),
                ExpiringStore.open(context, IN_FLIGHT, PURGE_EVERY, inFlightExpired),
                ExpiringStore.open(context, BUDGET, PURGE_EVERY),
                semantic);
    }
}
