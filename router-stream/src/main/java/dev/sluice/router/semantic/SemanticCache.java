package dev.sluice.router.semantic;

import java.util.function.Supplier;

/**
 * The router instance's embedding models and matcher, shared by its tasks, and the threads that
 * embed requests ahead of them ({@link EmbedAhead}, when started). A tenant's vectors come from the
 * embedder its cache policy names: the in-process model ({@code in-process}), or another one the
 * instance was given ({@link #with}, e.g. {@code openai}, a provider's embeddings endpoint). The
 * guards' own comparisons of what differs between two texts ({@link SemanticMatch}) always use the
 * in-process model, whose thresholds they were measured with. Each model is loaded on the first
 * request that needs it, so an instance whose tenants do not use the semantic cache never loads
 * one and pays nothing for it.
 *
 * <p>An embedder other than the in-process one that is unavailable (no answer, a timeout, a 429,
 * a 5xx) is not asked again for {@link #PAUSE_AFTER_FAILURE}, or longer if it asked to be left
 * alone longer (Retry-After): its tenants' requests meanwhile get the exact cache
 * only, so a provider that is down cannot hold a partition's decisions for a timeout per request.
 */
public final class SemanticCache implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SemanticCache.class);
    /**
     * Longer task texts are left to the exact cache without asking the model's tokenizer: no
     * in-process model here reads more than 512 word pieces, and each takes at least one character.
     */
    public static final int MAX_TEXT_CHARS = 2_000;

    public static final String IN_PROCESS = "in-process";
    static final java.time.Duration PAUSE_AFTER_FAILURE = java.time.Duration.ofSeconds(30);

    private final java.util.Map<String, Named> embedders = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile SemanticMatch match;
    private volatile EmbedAhead ahead;

    public SemanticCache(Supplier<Embedder> load) {
        embedders.put(IN_PROCESS, new Named(IN_PROCESS, load, false));
    }

    /** The in-process all-MiniLM-L6-v2. */
    public static SemanticCache inProcess() {
        return new SemanticCache(MiniLmEmbedder::new);
    }

    /** Also offers tenants the embedder {@code name}, made on first use. */
    public SemanticCache with(String name, Supplier<Embedder> embedder) {
        embedders.put(name, new Named(name, embedder, true));
        return this;
    }

    /** Whether tenants may name {@code embedder}: this instance has it. */
    public boolean has(String embedder) {
        return embedders.containsKey(embedder);
    }

    /** The model {@code embedder} names, part of every scope: another model's vectors are never compared. */
    public String modelId(String embedder) {
        return named(embedder).get().id();
    }

    private Named named(String embedder) {
        Named n = embedders.get(embedder);
        if (n == null) {
            throw new IllegalArgumentException("no embedder '" + embedder + "' on this router (it has "
                    + new java.util.TreeSet<>(embedders.keySet()) + ")");
        }
        return n;
    }

    /**
     * Starts {@code threads} threads that embed requests ahead of the stream threads; with 0, every
     * request is embedded on the stream thread that decides for it.
     */
    public SemanticCache embeddingAhead(int threads) {
        if (threads > 0 && ahead == null) {
            ahead = new EmbedAhead(this, threads);
        }
        return this;
    }

    /** The embed-ahead threads, or null when requests are embedded where they are decided. */
    public EmbedAhead ahead() {
        return ahead;
    }

    /**
     * A text's embedding by {@code embedder}, its vector null when the model would not read all of it
     * (see {@link Embedder#fits}). Throws when the embedder fails, or failed less than
     * {@link #PAUSE_AFTER_FAILURE} ago.
     */
    public EmbedAhead.Embedding embed(String embedder, String text) {
        Named n = named(embedder);
        long start = System.nanoTime();
        Embedder e = n.get();
        float[] vector = text.length() > MAX_TEXT_CHARS || !e.fits(text) ? null : n.embed(text);
        return new EmbedAhead.Embedding(embedder, text, vector, System.nanoTime() - start);
    }

    /**
     * A request's side of a lookup, from its task text's embedding, or null when the model would not
     * read all of it; the caller has checked that the tenant uses the cache. {@code waitedNanos} is
     * how long the deciding thread spent on the embedding (making it, or waiting for it), {@code ahead}
     * whether {@link EmbedAhead} made it.
     */
    public SemanticQuery query(
            String tenantId,
            String scope,
            double threshold,
            EmbedAhead.Embedding embedding,
            long waitedNanos,
            boolean ahead) {
        if (embedding.vector() == null) {
            return null;
        }
        return new SemanticQuery(tenantId, scope, embedding.text(), embedding.vector(), threshold, waitedNanos, ahead);
    }

    SemanticMatch match() {
        SemanticMatch m = match;
        if (m == null) {
            synchronized (this) {
                if (match == null) {
                    match = new SemanticMatch(named(IN_PROCESS).get());
                }
                m = match;
            }
        }
        return m;
    }

    /** An embedder by its name in tenants' policies, made on first use, paused after a failure if remote. */
    private static final class Named {
        private final String name;
        private final Supplier<Embedder> make;
        private final boolean remote;
        private volatile Embedder embedder;
        private volatile long pausedUntilNanos;
        private volatile boolean paused;

        Named(String name, Supplier<Embedder> make, boolean remote) {
            this.name = name;
            this.make = make;
            this.remote = remote;
        }

        /** No answer (down, timed out), rate limited, or a server error: the endpoint, not the text. */
        private static boolean unavailable(EmbeddingException e) {
            return e.status() == 0 || e.status() == 429 || e.status() >= 500;
        }

        void close() {
            if (embedder instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("Closing embedder {}: {}", name, e.toString());
                }
            }
        }

        Embedder get() {
            Embedder e = embedder;
            if (e == null) {
                synchronized (this) {
                    if (embedder == null) {
                        embedder = make.get();
                    }
                    e = embedder;
                }
            }
            return e;
        }

        float[] embed(String text) {
            if (!remote) {
                return get().embed(text);
            }
            if (paused && System.nanoTime() - pausedUntilNanos < 0) {
                throw new EmbedderPaused(name);
            }
            try {
                float[] v = get().embed(text);
                if (paused) {
                    paused = false;
                    log.info("Semantic cache: embedder {} answers again", name);
                }
                return v;
            } catch (EmbeddingException e) {
                if (!unavailable(e)) {
                    // About this text or this setup (a 400, a 401, a body that is not an embedding): no pause.
                    throw e;
                }
                java.time.Duration pause =
                        e.retryAfter() != null && e.retryAfter().compareTo(PAUSE_AFTER_FAILURE) > 0
                                ? e.retryAfter()
                                : PAUSE_AFTER_FAILURE;
                pausedUntilNanos = System.nanoTime() + pause.toNanos();
                if (!paused) {
                    paused = true;
                    log.warn(
                            "Semantic cache: embedder {} is unavailable ({}); its tenants get the exact cache only for"
                                    + " {} s, then it is tried again",
                            name,
                            e.getMessage(),
                            pause.toSeconds());
                }
                throw e;
            }
        }
    }

    /** An embedder that failed moments ago, not asked again yet. */
    public static final class EmbedderPaused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EmbedderPaused(String name) {
            super(
                    "embedder " + name + " failed less than " + PAUSE_AFTER_FAILURE.toSeconds() + " s ago",
                    null,
                    false,
                    false);
        }
    }

    @Override
    public void close() {
        EmbedAhead a = ahead;
        if (a != null) {
            a.close();
        }
        embedders.values().forEach(Named::close);
    }
}
