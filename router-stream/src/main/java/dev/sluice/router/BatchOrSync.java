package dev.sluice.router;

import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Role;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.tokens.TokenCounter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a batch-eligible job costs less in a provider batch or as a sync call, by what each
 * would cost on its first model (docs/adr/0017-batch-only-where-it-pays.md). A batch halves the
 * input and output prices; a sync call may read a shared prompt prefix from the provider's
 * cache at a tenth of the input price or less; a batch reads it only where the provider prices
 * cache reads in a batch (Anthropic, OpenAI's gpt-5 family) and only if it was cached before the
 * batch. So a job whose long shared prefix is being read from the cache by sync traffic can be
 * cheaper sync, and a job with a large answer or no shared prefix is cheaper in a batch.
 *
 * <p>The estimate for each path: the prefix the provider would cache (the leading system turns
 * and turns marked cacheable; for Anthropic only up to the last turn marked cacheable), when it
 * reaches the model's minimum, priced as a cache read if this task routed the same prefix to
 * the same model within the last five minutes (the providers' shortest cache lifetime) and as a
 * cache write (Anthropic) or full input (OpenAI) otherwise; the rest of the input at full price;
 * the answer at the request's {@code maxOutputTokens}, at most {@link #EXPECTED_OUTPUT_CAP}. The
 * prefixes seen are remembered by a 64-bit hash in a bounded LRU, in memory, with their token
 * count, so a shared prompt is counted once: after a restart the first jobs of a prefix are
 * judged cold.
 */
final class BatchOrSync {
    /** Answers are usually far shorter than their allowance; past this the allowance says little. */
    static final int EXPECTED_OUTPUT_CAP = 512;

    static final long WARM_FOR_MS = 5 * 60_000L;
    private static final int REMEMBERED = 10_000;

    /** A prefix's token count (counted once) and when it was last sent. */
    private record Seen(int tokens, long at) {}

    private final Map<Long, Seen> seen = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Seen> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** The two estimates, in micro-dollars, and what they assumed of the prefix. */
    record Choice(boolean batch, long syncMicros, long batchMicros, int prefixTokens, boolean warm) {
        String describe() {
            return (batch ? "batch" : "sync") + " est sync=" + syncMicros + " batch=" + batchMicros + " prefix="
                    + prefixTokens + (prefixTokens > 0 ? warm ? " warm" : " cold" : "");
        }
    }

    /**
     * Notes the job's cacheable prefix as sent to its model now (every job warms the cache, sync
     * or batch) and, when {@code eligible}, says which path costs less.
     */
    Choice choose(ModelSpec model, LlmRequest r, int inputTokens, boolean eligible, long now) {
        List<Message> prefix = prefix(model, r.messages());
        int prefixTokens = 0;
        boolean warm = false;
        // A token is at least one character: a shorter prefix cannot reach the minimum, and is not counted.
        if (model.minCacheTokens() > 0 && chars(prefix) >= model.minCacheTokens()) {
            long key = hash(model.name(), prefix);
            Seen before = seen.get(key);
            int tokens = before != null ? before.tokens() : TokenCounter.chatTokens(prefix);
            seen.put(key, new Seen(tokens, now));
            if (tokens >= model.minCacheTokens()) {
                prefixTokens = tokens;
                warm = before != null && now - before.at() < WARM_FOR_MS;
            }
        }
        if (!eligible) {
            return new Choice(false, 0, 0, prefixTokens, warm);
        }
        long output = Math.min(r.maxOutputTokens(), EXPECTED_OUTPUT_CAP);
        long rest = Math.max(0, inputTokens - prefixTokens);
        boolean writes = model.cacheWrite5mMicrosPerMTok() > 0; // Anthropic bills writes; OpenAI's are free
        Usage cold = writes ? new Usage(rest, output, 0, prefixTokens) : new Usage(rest + prefixTokens, output, 0, 0);
        Usage usage = warm ? new Usage(rest, output, prefixTokens, 0) : cold;
        long sync = Pricing.costMicros(model, usage, CostBasis.SYNC);
        long batch = Pricing.costMicros(model, usage, CostBasis.BATCH);
        return new Choice(batch < sync, sync, batch, prefixTokens, warm);
    }

    /**
     * What the provider would cache and other jobs share: the leading system turns and turns
     * marked cacheable (OpenAI caches any long prefix); for Anthropic, whose cache needs a
     * breakpoint, only up to the last of them marked cacheable.
     */
    static List<Message> prefix(ModelSpec model, List<Message> messages) {
        boolean anthropic = model.cacheWrite5mMicrosPerMTok() > 0;
        int end = 0;
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.role() != Role.SYSTEM && !m.cacheable()) {
                break;
            }
            if (!anthropic || m.cacheable()) {
                end = i + 1;
            }
        }
        // The last turn is the task itself, never a shared prefix.
        return end >= messages.size()
                ? messages.subList(0, Math.max(0, messages.size() - 1))
                : messages.subList(0, end);
    }

    private static long chars(List<Message> messages) {
        long chars = 0;
        for (Message m : messages) {
            chars += m.content().length();
        }
        return chars;
    }

    /** FNV-1a over the model and the prefix's roles and text: collisions only blur an estimate. */
    static long hash(String model, List<Message> prefix) {
        long h = 0xcbf29ce484222325L;
        h = mix(h, model);
        for (Message m : prefix) {
            h = mix(h, m.role().name());
            h = mix(h, m.content());
        }
        return h;
    }

    /** Over the UTF-16 chars, so a shared prompt of thousands of tokens is hashed without a copy. */
    private static long mix(long h, String text) {
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        return (h ^ 0xffff) * 0x100000001b3L;
    }
}
