package dev.sluice.ingest.status;

import dev.sluice.model.JobStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who listens to which job, and the lock that makes "write a status to the store, tell the job's
 * listeners" one step as a subscriber sees it. A subscriber registers and reads the current status
 * under the same lock, so each record lands either before the read (and is the current status the
 * subscriber is told first) or after it (and is told next): never lost in between, never told twice.
 *
 * <p>Locks are striped by requestId, so the table's one writer thread and the subscribers of other
 * jobs seldom meet; a lock is held for a store write or read and the listeners' queue offers.
 */
final class StatusFeed {
    private static final Logger log = LoggerFactory.getLogger(StatusFeed.class);
    private static final int STRIPES = 64;

    private final Stripe[] stripes = new Stripe[STRIPES];
    private final AtomicInteger subscriptions = new AtomicInteger();

    /** One lock and the listeners of the jobs that hash to it; the map is touched only under the lock. */
    private static final class Stripe {
        final Map<String, List<Sub>> byJob = new HashMap<>();
    }

    StatusFeed() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    private Stripe stripe(String requestId) {
        return stripes[Math.floorMod(requestId.hashCode(), STRIPES)];
    }

    /**
     * Runs {@code write} (the store's put or delete) and then tells the job's listeners, as one
     * step; {@code status} null means the job's status was removed.
     */
    void apply(String requestId, JobStatus status, Runnable write) {
        Stripe stripe = stripe(requestId);
        synchronized (stripe) {
            write.run();
            List<Sub> subs = stripe.byJob.get(requestId);
            if (subs != null) {
                for (Sub sub : subs) {
                    sub.deliver(status);
                }
            }
        }
    }

    /**
     * Registers {@code listener} for a job and tells it {@code current}'s answer (if any) before any
     * later change; {@code current} reads the store and is called under the job's lock.
     */
    JobStatusTable.Subscription subscribe(
            String requestId, Supplier<JobStatus> current, JobStatusTable.Listener listener) {
        Sub sub = new Sub(requestId, listener);
        Stripe stripe = stripe(requestId);
        synchronized (stripe) {
            stripe.byJob.computeIfAbsent(requestId, k -> new ArrayList<>()).add(sub);
            subscriptions.incrementAndGet();
            JobStatus now;
            try {
                now = current.get();
            } catch (RuntimeException e) {
                sub.close();
                throw e;
            }
            if (now != null) {
                sub.deliver(now);
            }
        }
        return sub;
    }

    /** Subscriptions not yet closed. */
    int subscriptions() {
        return subscriptions.get();
    }

    /**
     * One listener on one job. It is told a status only when that moves the job forward from the
     * last one it was told (JobState order): the sink writes only such records (ADR 0002), so this
     * drops nothing but replays, e.g. after the store was rebuilt from the topic while subscribed.
     */
    private final class Sub implements JobStatusTable.Subscription {
        private final String requestId;
        private final JobStatusTable.Listener listener;
        private JobStatus last;
        private boolean closed;

        Sub(String requestId, JobStatusTable.Listener listener) {
            this.requestId = requestId;
            this.listener = listener;
        }

        /** Called under the job's lock. */
        void deliver(JobStatus status) {
            try {
                if (status == null) {
                    last = null;
                    listener.removed();
                } else if (last == null || last.state().canMoveTo(status.state())) {
                    last = status;
                    listener.changed(status);
                }
            } catch (RuntimeException e) {
                // A listener's bug must not stop the table's thread, nor the other listeners.
                log.warn("Status listener of {} failed: {}", requestId, e.toString());
            }
        }

        @Override
        public void close() {
            Stripe stripe = stripe(requestId);
            synchronized (stripe) {
                if (closed) {
                    return;
                }
                closed = true;
                List<Sub> subs = stripe.byJob.get(requestId);
                subs.remove(this);
                if (subs.isEmpty()) {
                    stripe.byJob.remove(requestId);
                }
                subscriptions.decrementAndGet();
            }
        }
    }
}
