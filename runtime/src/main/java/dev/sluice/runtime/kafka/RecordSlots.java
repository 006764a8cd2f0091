package dev.sluice.runtime.kafka;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The slots of a {@link ConcurrentRecordLoop}: runs waiting records on virtual threads, at most
 * {@code maxInFlight} at once, and reports each run's end for the poll thread to take. A run that
 * ends well starts the next waiting record on its own thread, so a free slot does not wait for the
 * next poll. A run that fails starts nothing more: the poll thread stops the loop when it sees it.
 */
final class RecordSlots<T> {
    /** A run that ended; {@code error} is null when its handler returned. */
    record Ended(TopicPartition partition, long offset, int generation, Throwable error) {}

    private final ConcurrentRecordLoop.Handler<T> handler;
    private final Supplier<Waiting<T>> next;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    /** Records running now, whoever owns their partition now. */
    private final Set<Waiting.Key> running = ConcurrentHashMap.newKeySet();

    private final ConcurrentLinkedQueue<Ended> ended = new ConcurrentLinkedQueue<>();
    private volatile boolean starting = true;

    /** @param next the next record to run, or null when none may start now; called from any thread */
    RecordSlots(ConcurrentRecordLoop.Handler<T> handler, Supplier<Waiting<T>> next, int maxInFlight) {
        this.handler = handler;
        this.next = next;
        this.maxInFlight = maxInFlight;
    }

    /** How many records run now; live, for gauges. */
    AtomicInteger inFlight() {
        return inFlight;
    }

    boolean running(Waiting.Key key) {
        return running.contains(key);
    }

    /** The next run that ended and was not taken yet, or null. */
    Ended nextEnded() {
        return ended.poll();
    }

    /** Starts waiting records while slots are free. Called by the poll thread and by finishing runs. */
    void fill() {
        while (starting) {
            int n = inFlight.get();
            if (n >= maxInFlight) {
                return;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            Waiting<T> w = next.get();
            if (w == null) {
                inFlight.decrementAndGet();
                return;
            }
            try {
                running.add(w.key());
                executor.submit(() -> run(w));
            } catch (RuntimeException e) {
                // Shutting down: the record stays unfinished, so no commit passes it.
                running.remove(w.key());
                inFlight.decrementAndGet();
                return;
            }
        }
    }

    private void run(Waiting<T> w) {
        Throwable error = null;
        try {
            handler.handle(w.record(), w.value());
        } catch (Throwable t) {
            error = t;
        } finally {
            running.remove(w.key());
            inFlight.decrementAndGet();
            ended.add(new Ended(w.partition(), w.record().offset(), w.generation(), error));
        }
        if (error == null) {
            fill();
        }
    }

    /** No record starts from now on; one not started stays unfinished, so no commit passes it. */
    void stopStarting() {
        starting = false;
    }

    /** Interrupts the runs still going and waits up to 5 s for them to end. */
    void close() {
        starting = false;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
