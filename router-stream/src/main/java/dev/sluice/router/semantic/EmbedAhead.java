package dev.sluice.router.semantic;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Embeds semantic-cache requests on threads of their own, ahead of the stream thread that decides
 * for their tenant. A poll hands every record it fetched of a tenant with the semantic cache on to
 * {@link #offer} (through the router's consumer interceptor); by the time the stream thread plans
 * that record, its vector is usually ready, and the requests before it, of any tenant, did not
 * wait behind its embedding.
 *
 * <p>The vector depends on the text alone, so nothing about a decision changes: {@link #take}
 * returns it only for the same text, and when it is not ready or was never made the caller embeds
 * inline as before. A task not yet started is taken back by the caller rather than waited for, so
 * the stream thread never waits behind the queue, only for a text already being embedded. What is
 * offered and never taken (a request refused in validation, a tenant that turned the cache off)
 * is forgotten after {@link #FORGET_AFTER_NANOS}; at most {@link #MAX_PENDING} wait, and past that
 * requests are embedded inline.
 */
public final class EmbedAhead implements AutoCloseable {
    static final int MAX_PENDING = 2_000;
    static final long FORGET_AFTER_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Longer than any embedding should take (an endpoint's timeout is at most a minute): then the caller embeds. */
    static final long TAKE_TIMEOUT_SECONDS = 65;

    static final int PURGE_EVERY = 1_000;

    /** Where a record was read: the stream thread finds its embedding by the record it processes. */
    public record Slot(String topic, int partition, long offset) {}

    /** A text's embedding by the named embedder, or {@code vector == null} when the model would not read it whole. */
    public record Embedding(String embedder, String text, float[] vector, long nanos) {}

    /** What to embed, and with which of the cache's embedders. */
    public record Text(String embedder, String text) {}

    private final SemanticCache cache;
    private final ThreadPoolExecutor pool;
    private final Map<Slot, Task> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger offers = new AtomicInteger();
    private final long forgetAfterNanos;

    EmbedAhead(SemanticCache cache, int threads) {
        this(cache, threads, FORGET_AFTER_NANOS);
    }

    EmbedAhead(SemanticCache cache, int threads, long forgetAfterNanos) {
        this.cache = cache;
        this.forgetAfterNanos = forgetAfterNanos;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_PENDING), r -> {
                    Thread t = new Thread(r, "semantic-embed-ahead-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Embeds, on an ahead thread, the text {@code textOf} gives (null: nothing to embed) for the
     * record at {@code slot}. Called on the consumer's thread, so it only queues.
     */
    public void offer(Slot slot, Callable<Text> textOf) {
        if (offers.incrementAndGet() % PURGE_EVERY == 0) {
            forgetOld(System.nanoTime());
        }
        if (tasks.size() >= MAX_PENDING) {
            return;
        }
        Task task = new Task(slot, textOf);
        tasks.put(slot, task);
        try {
            pool.execute(task);
        } catch (RejectedExecutionException full) {
            tasks.remove(slot, task);
        }
    }

    /**
     * The embedding made ahead for the record at {@code slot}, if it is of {@code text} by
     * {@code embedder}: waits only for one already being made. Null when there is none (the caller
     * embeds inline).
     */
    public Embedding take(Slot slot, String embedder, String text) {
        Task task = tasks.remove(slot);
        if (task == null || task.state.compareAndSet(Task.QUEUED, Task.TAKEN_BACK)) {
            return null;
        }
        Embedding e;
        try {
            e = task.result.get(TAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException failed) {
            return null;
        }
        return e != null && text.equals(e.text()) && embedder.equals(e.embedder()) ? e : null;
    }

    /** Whether nothing is still being made for {@code slot}: made, failed, or nothing to make. For tests. */
    boolean made(Slot slot) {
        Task t = tasks.get(slot);
        return t == null || t.result.isDone();
    }

    /** Records offered and not yet taken, for tests. */
    int pending() {
        return tasks.size();
    }

    /** Whether the cache has the embedder {@code name} (see {@link SemanticCache#has}). */
    public boolean has(String name) {
        return cache.has(name);
    }

    private void forgetOld(long now) {
        // Removes an entry only if it still holds the task seen: one offered again meanwhile stays.
        tasks.entrySet().removeIf(e -> {
            Task t = e.getValue();
            boolean old = now - t.offeredNanos > forgetAfterNanos;
            if (old) {
                t.state.compareAndSet(Task.QUEUED, Task.TAKEN_BACK);
            }
            return old;
        });
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private final class Task implements Runnable {
        static final int QUEUED = 0;
        static final int STARTED = 1;
        static final int TAKEN_BACK = 2;

        final AtomicInteger state = new AtomicInteger(QUEUED);
        final CompletableFuture<Embedding> result = new CompletableFuture<>();
        final long offeredNanos = System.nanoTime();
        final Slot slot;
        /** The record it reads; dropped once read, so a task kept until taken holds a vector, not a request. */
        volatile Callable<Text> textOf;

        Task(Slot slot, Callable<Text> textOf) {
            this.slot = slot;
            this.textOf = textOf;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(QUEUED, STARTED)) {
                textOf = null;
                return;
            }
            try {
                Text text = textOf.call();
                textOf = null;
                if (text == null) {
                    // Nothing to embed (not cacheable, blank): nothing will be taken.
                    tasks.remove(slot, this);
                    result.complete(null);
                    return;
                }
                result.complete(cache.embed(text.embedder(), text.text()));
            } catch (Throwable e) {
                // The caller embeds inline and meets the failure itself, with the request's ids in the
                // log; an Error goes on to the pool's thread as well, once the caller cannot wait on it.
                result.completeExceptionally(e);
                if (e instanceof Error error) {
                    throw error;
                }
            }
        }
    }
}
