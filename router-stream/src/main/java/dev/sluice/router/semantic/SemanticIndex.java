package dev.sluice.router.semantic;

import dev.sluice.runtime.streams.ExpiringStore;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One router task's semantic cache: its entries in an {@link ExpiringStore} (so on Kafka, in the
 * store's changelog, and back after a restart or a move), and in memory by scope, rebuilt from
 * the store on the task's first lookup (after Kafka Streams has restored the store).
 *
 * <p>Tenants cannot meet here: a scope begins with its tenant, a lookup reads only its query's
 * scope, and an entry of another tenant is skipped even so.
 */
public final class SemanticIndex {
    /** Entries kept per scope; the oldest goes first. A lookup compares the query with every entry of its scope. */
    public static final int MAX_PER_SCOPE = 10_000;
    /**
     * How many of the most similar entries at or above the threshold are looked at, most similar
     * first: each goes through the guard (no model run), which passes over the near-copies that
     * differ in a number or a name ("Ticket #4: ..." / "Ticket #64: ..." outrank a true paraphrase).
     */
    static final int CANDIDATES = 16;
    /**
     * How many candidates the guard lets through are judged in full: each costs up to two more
     * embeddings (what differs between the texts), on the thread that decides for the tenant.
     */
    static final int JUDGED = 2;

    private final SemanticCache cache;
    private final Map<String, LinkedHashMap<String, Indexed>> byScope = new HashMap<>();
    private ExpiringStore<SemanticEntry> store;
    private boolean loaded;

    private record Indexed(String tenantId, String requestId, String text, float[] vector) {}

    /**
     * What a lookup found: a hit (the entry's exact-cache key; {@code answered} when its answer is
     * there to serve, else its request is still running), or the refusal of the most similar
     * candidate, or nothing above the threshold.
     */
    public record Lookup(String cacheKey, String requestId, double similarity, String refusal, boolean answered) {
        static final Lookup NONE = new Lookup(null, null, 0, "below threshold", false);

        public boolean hit() {
            return cacheKey != null;
        }
    }

    public SemanticIndex(SemanticCache cache) {
        this.cache = cache;
    }

    /** Takes the task's store; what it holds is indexed when first needed. */
    public void open(ExpiringStore<SemanticEntry> entries) {
        this.store = entries;
    }

    private void load(long now) {
        if (!loaded) {
            loaded = true;
            store.forEachLive(now, this::index);
        }
    }

    /** The store's expiry: the entry leaves the index as it leaves the store. */
    public void expired(String cacheKey, SemanticEntry entry) {
        unindex(cacheKey, entry.scope());
    }

    /** Makes a request that is being answered findable by what it asks, until {@code expiresAt}. */
    public void add(String cacheKey, SemanticQuery q, String requestId, long now, long expiresAt) {
        load(now);
        SemanticEntry entry = SemanticEntry.of(q, requestId);
        store.put(cacheKey, entry, expiresAt);
        LinkedHashMap<String, Indexed> scope = index(cacheKey, entry);
        if (scope.size() > MAX_PER_SCOPE) {
            Iterator<String> oldest = scope.keySet().iterator();
            String evicted = oldest.next();
            oldest.remove();
            store.delete(evicted);
        }
    }

    /** A request whose answer will never come (it failed): nothing can match it any more. */
    public void remove(String cacheKey, long now) {
        load(now);
        ExpiringStore.Entry<SemanticEntry> e = store.stored(cacheKey);
        if (e != null) {
            unindex(cacheKey, e.value().scope());
            store.delete(cacheKey);
        }
    }

    /**
     * The entry of the query's scope that may answer it. The {@value #CANDIDATES} most similar at
     * or above the tenant's threshold are looked at, most similar first. One the guard finds about
     * other things (another number, date or name) is passed over. The first that is about the same
     * things decides: if {@link SemanticMatch} finds that it asks something else, nothing farther
     * is taken either, since the query is closer to a request that is not it than to any other
     * ("Can I return the wool coat without a receipt?" is nearer "Can I still return a wool coat
     * after 14 days?" than "... the denim jacket ..."). Up to {@value #JUDGED} accepted ones are
     * judged, and the first whose answer is there ({@code answered}) is taken; failing that, the
     * first whose request is still running.
     */
    public Lookup find(SemanticQuery q, long now, Predicate<String> answered) {
        load(now);
        LinkedHashMap<String, Indexed> scope = byScope.get(q.scope());
        if (scope == null) {
            return Lookup.NONE;
        }
        String[] keys = new String[CANDIDATES];
        double[] best = new double[CANDIDATES];
        java.util.Arrays.fill(best, -1);
        for (Map.Entry<String, Indexed> e : scope.entrySet()) {
            double s = Embedder.cosine(q.vector(), e.getValue().vector());
            if (s < q.threshold() || s <= best[CANDIDATES - 1]) {
                continue;
            }
            int i = CANDIDATES - 1;
            while (i > 0 && best[i - 1] < s) {
                best[i] = best[i - 1];
                keys[i] = keys[i - 1];
                i--;
            }
            best[i] = s;
            keys[i] = e.getKey();
        }
        Lookup refused = Lookup.NONE;
        Lookup running = null;
        int judged = 0;
        for (int i = 0; i < CANDIDATES && keys[i] != null && judged < JUDGED; i++) {
            Indexed c = scope.get(keys[i]);
            if (!c.tenantId().equals(q.tenantId())) {
                continue;
            }
            String conflict = cache.match().conflict(q.text(), c.text());
            SemanticMatch.Verdict v = conflict != null
                    ? new SemanticMatch.Verdict(false, best[i], conflict)
                    : cache.match().judge(q.text(), q.vector(), c.text(), c.vector(), q.threshold());
            judged += conflict == null ? 1 : 0;
            if (v.hit() && answered.test(keys[i])) {
                return new Lookup(keys[i], c.requestId(), v.similarity(), null, true);
            }
            if (v.hit() && running == null) {
                running = new Lookup(keys[i], c.requestId(), v.similarity(), null, false);
            } else if (!v.hit()) {
                if (refused == Lookup.NONE) {
                    refused = new Lookup(null, c.requestId(), v.similarity(), v.refusal(), false);
                }
                if (!SemanticGuard.aboutOtherThings(v.refusal())) {
                    break;
                }
            }
        }
        return running != null ? running : refused;
    }

    /** Entries indexed now, for tests and metrics. */
    public int size() {
        return byScope.values().stream().mapToInt(Map::size).sum();
    }

    private LinkedHashMap<String, Indexed> index(String cacheKey, SemanticEntry entry) {
        LinkedHashMap<String, Indexed> scope = byScope.computeIfAbsent(entry.scope(), k -> new LinkedHashMap<>());
        scope.put(cacheKey, new Indexed(entry.tenantId(), entry.requestId(), entry.text(), entry.floats()));
        return scope;
    }

    private void unindex(String cacheKey, String scopeKey) {
        LinkedHashMap<String, Indexed> scope = byScope.get(scopeKey);
        if (scope != null) {
            scope.remove(cacheKey);
            if (scope.isEmpty()) {
                byScope.remove(scopeKey);
            }
        }
    }
}
