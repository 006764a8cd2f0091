package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecordSlotsTest {
    private final TopicPartition p0 = new TopicPartition("jobs", 0);
    private final Deque<Waiting<String>> waiting = new ArrayDeque<>();
    private final Map<Long, String> handled = new ConcurrentHashMap<>();
    private final Set<Long> started = ConcurrentHashMap.newKeySet();
    private final CountDownLatch release = new CountDownLatch(1);
    private RecordSlots<String> slots;

    @AfterEach
    void close() {
        release.countDown();
        slots.close();
    }

    private RecordSlots<String> slots(int maxInFlight, ConcurrentRecordLoop.Handler<String> handler) {
        slots = new RecordSlots<>(
                handler,
                () -> {
                    synchronized (waiting) {
                        return waiting.poll();
                    }
                },
                maxInFlight);
        return slots;
    }

    private void enqueue(long... offsets) {
        synchronized (waiting) {
            for (long o : offsets) {
                waiting.add(new Waiting<>(
                        new ConsumerRecord<>("jobs", 0, o, "k", new byte[0]), "job " + o, p0, Lane.FIFO, 64, 0));
            }
        }
    }

    /** Records whose handler blocks until released; the others finish at once. */
    private ConcurrentRecordLoop.Handler<String> blocking(Set<Long> blocked) {
        return (record, value) -> {
            started.add(record.offset());
            if (blocked.contains(record.offset())) {
                release.await();
            }
            handled.put(record.offset(), value);
        };
    }

    private List<RecordSlots.Ended> ended() {
        List<RecordSlots.Ended> out = new java.util.ArrayList<>();
        for (RecordSlots.Ended e = slots.nextEnded(); e != null; e = slots.nextEnded()) {
            out.add(e);
        }
        return out;
    }

    @Test
    void shouldRunNoMoreThanMaxInFlightAndStartTheNextRecordWhenOneEnds() {
        slots(2, blocking(Set.of(0L, 1L)));
        enqueue(0, 1, 2, 3);

        slots.fill();

        Awaitility.await()
                .alias("two records running")
                .atMost(Duration.ofSeconds(5))
                .until(() -> started.equals(Set.of(0L, 1L)));
        assertThat(slots.inFlight().get()).isEqualTo(2);
        assertThat(slots.running(new Waiting.Key(p0, 0))).isTrue();

        release.countDown();

        Awaitility.await()
                .alias("the ended runs started the rest, with no poll in between")
                .atMost(Duration.ofSeconds(5))
                .until(() -> handled.size() == 4);
        Awaitility.await()
                .alias("every slot free")
                .atMost(Duration.ofSeconds(5))
                .until(() -> slots.inFlight().get() == 0);
        assertThat(slots.running(new Waiting.Key(p0, 0))).isFalse();
    }

    @Test
    void shouldGiveTheHandlerTheValueThatCameWithTheRecord() {
        slots(4, blocking(Set.of()));
        enqueue(0, 1);

        slots.fill();

        Awaitility.await().alias("both handled").atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 2);
        assertThat(handled).containsEntry(0L, "job 0").containsEntry(1L, "job 1");
    }

    @Test
    void shouldReportAFailedRunAndStartNothingAfterIt() {
        slots(1, (record, value) -> {
            started.add(record.offset());
            release.await();
            throw new IllegalStateException("broken " + value);
        });
        enqueue(0, 1);
        slots.fill();

        release.countDown();

        Awaitility.await()
                .alias("the failed run reported")
                .atMost(Duration.ofSeconds(5))
                .until(() -> slots.inFlight().get() == 0 && !started.isEmpty());
        List<RecordSlots.Ended> ended = ended();
        assertThat(ended).singleElement().satisfies(e -> {
            assertThat(e.offset()).isZero();
            assertThat(e.error()).hasMessage("broken job 0");
        });
        assertThat(started).containsExactly(0L);
    }

    @Test
    void shouldStartNothingOnceToldToStop() {
        slots(4, blocking(Set.of()));
        enqueue(0);

        slots.stopStarting();
        slots.fill();

        assertThat(slots.inFlight().get()).isZero();
        assertThat(waiting).hasSize(1);
    }

    @Test
    void shouldReportTheGenerationARunWasStartedIn() {
        slots(1, blocking(Set.of()));
        synchronized (waiting) {
            waiting.add(
                    new Waiting<>(new ConsumerRecord<>("jobs", 0, 7, "k", new byte[0]), "job 7", p0, Lane.FIFO, 64, 3));
        }

        slots.fill();

        Awaitility.await().alias("the run ended").atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 1);
        Awaitility.await()
                .alias("its end reported")
                .atMost(Duration.ofSeconds(5))
                .until(() -> slots.inFlight().get() == 0);
        assertThat(ended()).containsExactly(new RecordSlots.Ended(p0, 7, 3, null));
    }
}
