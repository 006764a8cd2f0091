package dev.sluice.ingest.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class StatusFeedTest {
    private static final List<JobState> LIFE =
            List.of(JobState.ACCEPTED, JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);

    /** The table as the feed sees it: a store written only through {@link StatusFeed#apply}. */
    private final Map<String, JobStatus> store = new ConcurrentHashMap<>();

    private final StatusFeed feed = new StatusFeed();

    private static JobStatus status(String requestId, JobState state) {
        return JobStatus.of(requestId, "acme", state, null, Instant.parse("2026-11-22T10:00:00Z"));
    }

    private void write(String requestId, JobState state) {
        JobStatus s = status(requestId, state);
        feed.apply(requestId, s, () -> store.put(requestId, s));
    }

    private void delete(String requestId) {
        feed.apply(requestId, null, () -> store.remove(requestId));
    }

    private JobStatusTable.Subscription subscribe(String requestId, Recorder recorder) {
        return feed.subscribe(requestId, () -> store.get(requestId), recorder);
    }

    /** What a listener was told, in order: a state name, or "removed". */
    private static final class Recorder implements JobStatusTable.Listener {
        final List<String> told = new CopyOnWriteArrayList<>();

        @Override
        public void changed(JobStatus status) {
            told.add(status.state().name());
        }

        @Override
        public void removed() {
            told.add("removed");
        }
    }

    @Test
    void shouldTellANewSubscriberTheCurrentStatusThenEveryLaterChangeInOrder() {
        write("job-1", JobState.ACCEPTED);
        write("job-1", JobState.QUEUED);
        Recorder recorder = new Recorder();

        subscribe("job-1", recorder);
        write("job-1", JobState.RUNNING);
        write("job-1", JobState.SUCCEEDED);

        assertThat(recorder.told).containsExactly("QUEUED", "RUNNING", "SUCCEEDED");
    }

    @Test
    void shouldTellASubscriberOfAnUnknownJobItsFirstStatusWhenItArrives() {
        Recorder recorder = new Recorder();
        subscribe("job-1", recorder);
        assertThat(recorder.told).isEmpty();

        write("job-1", JobState.QUEUED);

        assertThat(recorder.told).containsExactly("QUEUED");
    }

    @Test
    void shouldTellOnlyTheListenersOfTheJobThatChanged() {
        Recorder one = new Recorder();
        Recorder two = new Recorder();
        subscribe("job-1", one);
        subscribe("job-2", two);

        write("job-1", JobState.QUEUED);

        assertThat(one.told).containsExactly("QUEUED");
        assertThat(two.told).isEmpty();
    }

    @Test
    void shouldNotRepeatAStatusNorStepBackWhenRecordsAreReplayed() {
        Recorder recorder = new Recorder();
        subscribe("job-1", recorder);
        write("job-1", JobState.QUEUED);
        write("job-1", JobState.RUNNING);

        // as when the store is rebuilt from the topic while a stream is open
        write("job-1", JobState.QUEUED);
        write("job-1", JobState.RUNNING);
        write("job-1", JobState.SUCCEEDED);

        assertThat(recorder.told).containsExactly("QUEUED", "RUNNING", "SUCCEEDED");
    }

    @Test
    void shouldTellRemovalAndThenAJobRecreatedUnderTheSameId() {
        write("job-1", JobState.SUCCEEDED);
        Recorder recorder = new Recorder();
        subscribe("job-1", recorder);

        delete("job-1");
        write("job-1", JobState.QUEUED);

        assertThat(recorder.told).containsExactly("SUCCEEDED", "removed", "QUEUED");
    }

    @Test
    void shouldStopTellingAndForgetTheListenerOnceClosed() {
        Recorder recorder = new Recorder();
        JobStatusTable.Subscription subscription = subscribe("job-1", recorder);
        subscribe("job-1", new Recorder()).close();
        assertThat(feed.subscriptions()).isEqualTo(1);

        subscription.close();
        subscription.close();
        write("job-1", JobState.QUEUED);

        assertThat(recorder.told).isEmpty();
        assertThat(feed.subscriptions()).isZero();
    }

    @Test
    void shouldKeepTellingOtherListenersWhenOneThrows() {
        feed.subscribe("job-1", () -> null, status -> {
            throw new IllegalStateException("a listener's bug");
        });
        Recorder recorder = new Recorder();
        subscribe("job-1", recorder);

        write("job-1", JobState.QUEUED);

        assertThat(recorder.told).containsExactly("QUEUED");
    }

    @Test
    void shouldTellAChangeWrittenWhileTheSubscriberReadsTheCurrentStatusAfterIt() throws Exception {
        write("job-1", JobState.ACCEPTED);
        Recorder recorder = new Recorder();
        Thread writer = Thread.ofPlatform().unstarted(() -> write("job-1", JobState.QUEUED));

        // The table's thread writes QUEUED while the subscriber is between registering and reading.
        feed.subscribe(
                "job-1",
                () -> {
                    writer.start();
                    while (writer.getState() == Thread.State.RUNNABLE || writer.getState() == Thread.State.NEW) {
                        Thread.onSpinWait(); // until the writer waits for the job's lock, or is done
                    }
                    return store.get("job-1");
                },
                recorder);
        writer.join();

        assertThat(recorder.told).containsExactly("ACCEPTED", "QUEUED");
    }

    @Test
    void shouldGiveEverySubscriberAnUnbrokenTailOfTheJobsLifeUnderConcurrentWrites() throws Exception {
        int jobs = 2_000;
        Thread writer = Thread.ofPlatform().start(() -> {
            for (JobState state : LIFE) {
                for (int j = 0; j < jobs; j++) {
                    write("job-" + j, state);
                }
            }
        });
        List<Recorder> recorders = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            Recorder recorder = new Recorder();
            recorders.add(recorder);
            subscribe("job-" + j, recorder);
        }
        writer.join();

        List<String> life = LIFE.stream().map(Enum::name).toList();
        for (Recorder recorder : recorders) {
            assertThat(recorder.told)
                    .as("a subscriber's statuses: the current one, then each change once")
                    .isNotEmpty()
                    .isEqualTo(life.subList(life.size() - recorder.told.size(), life.size()));
        }
    }
}
