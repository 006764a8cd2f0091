package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Lock-free counters behind {@link SimStats}; thousands of virtual threads bump them at once. */
final class StatsRecorder {

    private final ConcurrentHashMap<String, LongAdder> byEndpoint = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, LongAdder> injectedFaults = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> rateLimited = new ConcurrentHashMap<>();
    private final LongAdder inputTokens = new LongAdder();
    private final LongAdder outputTokens = new LongAdder();
    private final LongAdder cacheReadTokens = new LongAdder();
    private final LongAdder cacheWriteTokens = new LongAdder();
    private final LongAdder outages = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> batchesCreated = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> batchLines = new ConcurrentHashMap<>();
    // One entry per custom_id ever run: what it costs to prove that no job ran twice.
    private final ConcurrentHashMap<String, Integer> batchesByCustomId = new ConcurrentHashMap<>();
    private final LongAdder resubmittedCustomIds = new LongAdder();
    // One SHA-256 per conversation answered: 32 bytes a prompt, the price of telling a repeat from a new call.
    private final Set<String> answeredPrompts = ConcurrentHashMap.newKeySet();
    private final LongAdder repeatedPrompts = new LongAdder();

    void request(String endpoint, int status) {
        byEndpoint.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
        byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    void tokens(long input, long output, long cacheRead, long cacheWrite) {
        inputTokens.add(input);
        outputTokens.add(output);
        cacheReadTokens.add(cacheRead);
        cacheWriteTokens.add(cacheWrite);
    }

    void injectedFault(int status) {
        injectedFaults.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    void outage() {
        outages.increment();
    }

    /** Keys are masked here: {@code /sim/stats} is unauthenticated. */
    void rateLimited(String apiKey) {
        rateLimited
                .computeIfAbsent(OpenAiApi.mask(apiKey), k -> new LongAdder())
                .increment();
    }

    void batchCreated(String protocol) {
        batchesCreated.computeIfAbsent(protocol, k -> new LongAdder()).increment();
    }

    /** The custom_ids of a batch that will run; each distinct one seen in a second batch is counted once. */
    void batchRun(String protocol, Iterable<String> customIds) {
        for (String customId : customIds) {
            if (batchesByCustomId.merge(protocol + "\u0000" + customId, 1, Integer::sum) == 2) {
                resubmittedCustomIds.increment();
            }
        }
    }

    /** A successful synchronous answer to {@code messages}; counted as a repeat if they were answered before. */
    void answered(String protocol, JsonNode messages) {
        if (messages == null) {
            return;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((protocol + "\u0000" + messages).getBytes(StandardCharsets.UTF_8));
            if (!answeredPrompts.add(HexFormat.of().formatHex(digest))) {
                repeatedPrompts.increment();
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    void batchLine(String outcome) {
        batchLines.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    SimStats snapshot() {
        return new SimStats(
                sum(byEndpoint),
                sum(byStatus),
                inputTokens.sum(),
                outputTokens.sum(),
                cacheReadTokens.sum(),
                cacheWriteTokens.sum(),
                sum(injectedFaults),
                outages.sum(),
                sum(rateLimited),
                sum(batchesCreated),
                sum(batchLines),
                resubmittedCustomIds.sum(),
                repeatedPrompts.sum());
    }

    private static <K> Map<K, Long> sum(Map<K, LongAdder> counters) {
        Map<K, Long> result = new TreeMap<>();
        counters.forEach((key, adder) -> result.put(key, adder.sum()));
        return result;
    }
}
