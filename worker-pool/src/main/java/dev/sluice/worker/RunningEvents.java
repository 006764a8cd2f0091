package dev.sluice.worker;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * When a job's RUNNING event is written ({@code worker.running.event.after}, 1 s by default). A
 * job whose provider call ends sooner never gets one: its completion follows so closely that no
 * reader would see RUNNING before SUCCEEDED replaced it, and the event cost a record on
 * llm.job-events, another on llm.job-status and a status-store write (issue 15). A longer call
 * gets it once that time has passed, dated when the job started. Zero writes it at once, before
 * the call.
 */
final class RunningEvents implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunningEvents.class);

    /** A RUNNING event announced for a job: cancelled when its call ends first. */
    interface Pending {
        /** Drops the event if it is not written yet; nothing once it is. */
        void cancel();
    }

    private static final Pending NOTHING = () -> {};

    private final Duration after;
    private final ScheduledThreadPoolExecutor timer;

    RunningEvents(Duration after) {
        this.after = after;
        if (after.isZero()) {
            this.timer = null;
        } else {
            this.timer = new ScheduledThreadPoolExecutor(
                    1,
                    Thread.ofPlatform().name("worker-running-events").daemon().factory());
            // A cancelled event leaves the queue at once, rather than holding its job until it is due.
            timer.setRemoveOnCancelPolicy(true);
        }
    }

    /** Writes the event with {@code write} at once, or after the delay unless cancelled first. */
    Pending announce(Runnable write) {
        if (timer == null) {
            write.run();
            return NOTHING;
        }
        try {
            ScheduledFuture<?> due = timer.schedule(
                    () -> {
                        try {
                            write.run();
                        } catch (RuntimeException e) {
                            // The job goes on: a missing RUNNING leaves its status at QUEUED until its result.
                            log.warn("A RUNNING event could not be written: {}", e.toString());
                        }
                    },
                    after.toNanos(),
                    TimeUnit.NANOSECONDS);
            return () -> due.cancel(false);
        } catch (RejectedExecutionException e) {
            return NOTHING; // the worker is stopping
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
