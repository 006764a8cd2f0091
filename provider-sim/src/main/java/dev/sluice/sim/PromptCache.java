package dev.sluice.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which prompt prefixes each provider would have cached, so usage can report cache reads and
 * writes. A prefix is remembered by a chained SHA-256 (protocol, API key, model, then each block
 * or token run), never by its text, in an LRU bounded to {@link #DEFAULT_CAPACITY} entries; an
 * entry lives for its TTL after its last write or hit.
 */
final class PromptCache {

    static final int DEFAULT_CAPACITY = 10_000;
    static final int OPENAI_MINIMUM_TOKENS = 1024;
    static final int OPENAI_STEP_TOKENS = 128;
    /** OpenAI keeps in-memory prefixes 5 to 10 minutes after last use; the short end is the safe guess. */
    static final Duration OPENAI_TTL = Duration.ofMinutes(5);

    static final Duration OPENAI_EXTENDED_TTL = Duration.ofHours(24);
    /** Anthropic looks for earlier hits at up to this many block boundaries before a breakpoint. */
    static final int ANTHROPIC_LOOKBACK_BLOCKS = 20;

    private static final Pattern OPUS_VERSION = Pattern.compile("opus-(\\d{1,2})(?:-(\\d{1,2}))?(?!\\d)");

    private final Map<String, Long> expiries;

    /** What an Anthropic request read from and wrote to the cache, in input tokens. */
    record AnthropicUsage(int read, int written5m, int written1h) {

        static final AnthropicUsage NONE = new AnthropicUsage(0, 0, 0);

        int written() {
            return written5m + written1h;
        }
    }

    PromptCache() {
        this(DEFAULT_CAPACITY);
    }

    PromptCache(int capacity) {
        this.expiries = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * OpenAI's automatic caching: the longest earlier prefix of 1024 + n·128 tokens (same key and
     * model) is read; every such prefix of this prompt is (re)written. Writes are free and unreported.
     */
    int openAi(String apiKey, String model, int[] prompt, Duration ttl, long nowMillis) {
        List<String> keys = openAiPrefixes(apiKey, model, prompt);
        // Hashing long prompts happens outside the lock; only the map is shared.
        synchronized (this) {
            return readAndWriteOpenAi(keys, ttl, nowMillis, expiries);
        }
    }

    /**
     * OpenAI's automatic caching for the lines of one batch, which run concurrently: a line reads
     * only prefixes cached before the batch, and the batch's writes take effect at {@link
     * OpenAiBatch#commit()}. Only models OpenAI prices cached input for in a batch (the gpt-5
     * family) read or write; for the others a batch line reports no cached tokens.
     */
    OpenAiBatch openAiBatch(String apiKey, long nowMillis) {
        return new OpenAiBatch(apiKey, nowMillis);
    }

    /** Whether OpenAI publishes a cached-input price in its Batch API for this model. */
    static boolean openAiCachesInBatch(String model) {
        return model.toLowerCase(Locale.ROOT).startsWith("gpt-5");
    }

    final class OpenAiBatch {
        private final String apiKey;
        private final long nowMillis;
        private final Map<String, Long> writes = new LinkedHashMap<>();

        private OpenAiBatch(String apiKey, long nowMillis) {
            this.apiKey = apiKey;
            this.nowMillis = nowMillis;
        }

        int cached(String model, int[] prompt, Duration ttl) {
            if (!openAiCachesInBatch(model)) {
                return 0;
            }
            List<String> keys = openAiPrefixes(apiKey, model, prompt);
            synchronized (PromptCache.this) {
                return readAndWriteOpenAi(keys, ttl, nowMillis, writes);
            }
        }

        void commit() {
            synchronized (PromptCache.this) {
                writes.forEach((key, expiry) -> expiries.merge(key, expiry, Math::max));
            }
        }
    }

    /** The chained keys of the prompt's prefixes of 1024 + n·128 tokens; none under 1024 tokens. */
    private static List<String> openAiPrefixes(String apiKey, String model, int[] prompt) {
        List<String> keys = new ArrayList<>();
        if (prompt.length < OPENAI_MINIMUM_TOKENS) {
            return keys;
        }
        byte[] chain = root("openai", apiKey, model);
        int from = 0;
        for (int end = OPENAI_MINIMUM_TOKENS; end <= prompt.length; end += OPENAI_STEP_TOKENS) {
            chain = link(chain, tokens(prompt, from, end));
            keys.add(HexFormat.of().formatHex(chain));
            from = end;
        }
        return keys;
    }

    private int readAndWriteOpenAi(List<String> keys, Duration ttl, long nowMillis, Map<String, Long> writes) {
        int cached = 0;
        for (int i = keys.size() - 1; i >= 0; i--) {
            if (live(keys.get(i), nowMillis)) {
                cached = OPENAI_MINIMUM_TOKENS + i * OPENAI_STEP_TOKENS;
                break;
            }
        }
        for (String key : keys) {
            writes.put(key, nowMillis + ttl.toMillis());
        }
        return cached;
    }

    /**
     * Anthropic's explicit caching. The prefix up to the last breakpoint is cached if it reaches the
     * model's minimum. The longest earlier prefix found at an explicit breakpoint, or at one of the
     * 20 block boundaries ending at the last breakpoint, is read (and its TTL refreshed); the
     * tokens from there up to the last breakpoint are written, counted under the TTL of the
     * breakpoint that closes them.
     */
    AnthropicUsage anthropic(String apiKey, AnthropicRequest request, long nowMillis) {
        Prefixes prefixes = anthropicPrefixes(apiKey, request);
        if (prefixes == null) {
            return AnthropicUsage.NONE;
        }
        synchronized (this) {
            return readAndWriteAnthropic(request, prefixes, nowMillis, expiries);
        }
    }

    /**
     * The requests of one Message Batch, which the provider runs concurrently: each line reads only
     * what was cached before the batch, never another line's write, so a batch whose prefix is not
     * cached yet writes it on every line (Anthropic calls batch cache hits best effort; lines
     * submitted cold were seen to read nothing). The writes take effect once every line is planned.
     * A null request (a line that failed to parse) gets {@link AnthropicUsage#NONE}.
     */
    List<AnthropicUsage> anthropicBatch(String apiKey, List<AnthropicRequest> requests, long nowMillis) {
        List<Prefixes> prefixes = new ArrayList<>();
        for (AnthropicRequest request : requests) {
            prefixes.add(request == null ? null : anthropicPrefixes(apiKey, request));
        }
        List<AnthropicUsage> usages = new ArrayList<>();
        synchronized (this) {
            Map<String, Long> writes = new LinkedHashMap<>();
            for (int i = 0; i < requests.size(); i++) {
                usages.add(
                        prefixes.get(i) == null
                                ? AnthropicUsage.NONE
                                : readAndWriteAnthropic(requests.get(i), prefixes.get(i), nowMillis, writes));
            }
            writes.forEach((key, expiry) -> expiries.merge(key, expiry, Math::max));
        }
        return usages;
    }

    /** Cumulative tokens and chained keys of the blocks up to the last breakpoint; null when nothing can be cached. */
    private record Prefixes(int minimum, int[] cumulative, String[] keys) {}

    private static Prefixes anthropicPrefixes(String apiKey, AnthropicRequest request) {
        List<AnthropicRequest.Block> blocks = request.blocks();
        int last = request.lastBreakpoint();
        if (last < 0) {
            return null;
        }
        int minimum = anthropicMinimum(request.model());
        int[] cumulative = new int[last + 1];
        String[] keys = new String[last + 1];
        byte[] chain = root("anthropic", apiKey, request.model());
        for (int i = 0; i <= last; i++) {
            AnthropicRequest.Block block = blocks.get(i);
            cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + block.tokens();
            chain = link(chain, text(block.owner()), text(block.text()));
            keys[i] = HexFormat.of().formatHex(chain);
        }
        return cumulative[last] < minimum ? null : new Prefixes(minimum, cumulative, keys);
    }

    /** Reads from the cache as it is; writes (and refreshed hits) go to {@code writes}. */
    private AnthropicUsage readAndWriteAnthropic(
            AnthropicRequest request, Prefixes prefixes, long nowMillis, Map<String, Long> writes) {
        int minimum = prefixes.minimum();
        int[] cumulative = prefixes.cumulative();
        String[] keys = prefixes.keys();
        int last = cumulative.length - 1;
        int read = 0;
        for (int i = last; i >= 0; i--) {
            String ttl = request.breakpointTtl(i);
            boolean looked = i > last - ANTHROPIC_LOOKBACK_BLOCKS || ttl != null;
            if (looked && cumulative[i] >= minimum && live(keys[i], nowMillis)) {
                read = cumulative[i];
                writes.put(keys[i], nowMillis + ttlMillis(ttl == null ? "5m" : ttl));
                break;
            }
        }
        int written5m = 0;
        int written1h = 0;
        int covered = read;
        for (int i = 0; i <= last; i++) {
            String ttl = request.breakpointTtl(i);
            if (ttl == null || cumulative[i] < minimum) {
                continue;
            }
            if (cumulative[i] > covered) {
                if (ttl.equals("1h")) {
                    written1h += cumulative[i] - covered;
                } else {
                    written5m += cumulative[i] - covered;
                }
                covered = cumulative[i];
            }
            writes.put(keys[i], nowMillis + ttlMillis(ttl));
        }
        return new AnthropicUsage(read, written5m, written1h);
    }

    synchronized int size() {
        return expiries.size();
    }

    /**
     * Minimum cacheable prompt by model (reference section 3): 4096 for Opus 4.5+ and Haiku 4.5,
     * 2048 for Haiku 3 and 3.5, 1024 for the Sonnets, Opus 4 and 4.1 and any model it does not know.
     */
    static int anthropicMinimum(String model) {
        String name = model.toLowerCase(Locale.ROOT);
        if (name.contains("haiku")) {
            return name.contains("3-haiku") || name.contains("3-5-haiku") || name.contains("haiku-3") ? 2048 : 4096;
        }
        Matcher opus = OPUS_VERSION.matcher(name);
        if (name.contains("opus") && opus.find()) {
            int major = Integer.parseInt(opus.group(1));
            int minor = opus.group(2) == null ? 0 : Integer.parseInt(opus.group(2));
            if (major > 4 || (major == 4 && minor >= 5)) {
                return 4096;
            }
        }
        return 1024;
    }

    private boolean live(String key, long nowMillis) {
        Long expiresAt = expiries.get(key);
        if (expiresAt == null) {
            return false;
        }
        if (expiresAt <= nowMillis) {
            expiries.remove(key);
            return false;
        }
        return true;
    }

    private static long ttlMillis(String ttl) {
        return ttl.equals("1h")
                ? Duration.ofHours(1).toMillis()
                : Duration.ofMinutes(5).toMillis();
    }

    private static byte[] root(String protocol, String apiKey, String model) {
        return link(new byte[0], text(protocol), text(apiKey), text(model));
    }

    /** SHA-256 of the previous link and each part, length-prefixed so ("ab","c") ≠ ("a","bc"). */
    private static byte[] link(byte[] previous, byte[]... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(previous);
            for (byte[] part : parts) {
                sha.update(ByteBuffer.allocate(4).putInt(part.length).array());
                sha.update(part);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] tokens(int[] prompt, int from, int to) {
        ByteBuffer bytes = ByteBuffer.allocate((to - from) * 4);
        for (int i = from; i < to; i++) {
            bytes.putInt(prompt[i]);
        }
        return bytes.array();
    }
}
