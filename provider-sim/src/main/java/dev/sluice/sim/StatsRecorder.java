package dev.sluice.sim;

import java.util.Map;
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
        rateLimited.computeIfAbsent(OpenAiApi.mask(apiKey), k -> new LongAdder()).increment();
    }

    SimStats snapshot() {
        return new SimStats(sum(byEndpoint), sum(byStatus), inputTokens.sum(), outputTokens.sum(),
                cacheReadTokens.sum(), cacheWriteTokens.sum(), sum(injectedFaults), outages.sum(), sum(rateLimited));
    }

    private static <K> Map<K, Long> sum(Map<K, LongAdder> counters) {
        Map<K, Long> result = new TreeMap<>();
        counters.forEach((key, adder) -> result.put(key, adder.sum()));
        return result;
    }
}
