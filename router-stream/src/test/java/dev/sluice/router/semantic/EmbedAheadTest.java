package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link EmbedAhead} with a model that records what it embedded and can be held mid-embedding. */
class EmbedAheadTest {
    private final List<String> embedded = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile CountDownLatch holding = new CountDownLatch(0);
    private final SemanticCache cache = new SemanticCache(() -> new Embedder() {
        @Override
        public String id() {
            return "test";
        }

        @Override
        public float[] embed(String text) {
            embedded.add(text);
            if (text.startsWith("hold")) {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new float[] {text.length(), 1};
        }

        @Override
        public boolean fits(String text) {
            return !text.startsWith("too long");
        }
    });
    private final EmbedAhead ahead = new EmbedAhead(cache, 1);

    private static EmbedAhead.Text text(String text) {
        return new EmbedAhead.Text(SemanticCache.IN_PROCESS, text);
    }

    private static EmbedAhead.Slot slot(long offset) {
        return new EmbedAhead.Slot("llm.requests", 0, offset);
    }

    private void awaitMade(long... offsets) {
        await().alias("made ahead")
                .atMost(Duration.ofSeconds(10))
                .until(() -> java.util.Arrays.stream(offsets).allMatch(o -> ahead.made(slot(o))));
    }

    @AfterEach
    void close() {
        release.countDown();
        ahead.close();
    }

    @Test
    void shouldHandTheStreamThreadTheEmbeddingMadeAheadForItsRecord() {
        ahead.offer(slot(1), () -> text("where is my parcel"));
        await().alias("embedded ahead").atMost(Duration.ofSeconds(10)).until(() -> embedded.size() == 1);

        EmbedAhead.Embedding e = ahead.take(slot(1), SemanticCache.IN_PROCESS, "where is my parcel");

        assertThat(e.vector()).containsExactly(18f, 1f);
        assertThat(ahead.take(slot(1), SemanticCache.IN_PROCESS, "where is my parcel"))
                .as("taken once")
                .isNull();
        assertThat(ahead.pending()).isZero();
    }

    @Test
    void shouldNotHandOverAnEmbeddingOfAnotherTextOrByAnotherEmbedder() {
        ahead.offer(slot(1), () -> text("where is my parcel"));
        ahead.offer(slot(2), () -> text("where is my parcel"));
        awaitMade(1, 2);

        assertThat(ahead.take(slot(1), SemanticCache.IN_PROCESS, "where is my order"))
                .isNull();
        assertThat(ahead.take(slot(2), "openai", "where is my parcel")).isNull();
    }

    @Test
    void shouldSayATextTheModelWouldNotReadWholeHasNoVector() {
        ahead.offer(slot(1), () -> text("too long a text"));
        awaitMade(1);

        EmbedAhead.Embedding e = ahead.take(slot(1), SemanticCache.IN_PROCESS, "too long a text");

        assertThat(e).isNotNull();
        assertThat(e.vector()).isNull();
    }

    @Test
    void shouldLeaveARecordStillQueuedToTheStreamThreadInsteadOfWaitingBehindTheQueue() throws Exception {
        holding = new CountDownLatch(1);
        ahead.offer(slot(1), () -> text("hold the only thread"));
        assertThat(holding.await(10, TimeUnit.SECONDS))
                .as("the embed-ahead thread is busy")
                .isTrue();
        ahead.offer(slot(2), () -> text("queued behind it"));

        assertThat(ahead.take(slot(2), SemanticCache.IN_PROCESS, "queued behind it"))
                .as("not waited for")
                .isNull();
        release.countDown();
        EmbedAhead.Embedding held = ahead.take(slot(1), SemanticCache.IN_PROCESS, "hold the only thread");

        assertThat(held.vector()).as("one being made is waited for").isNotNull();
        await().alias("the thread went past the task taken back")
                .during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !embedded.contains("queued behind it"));
    }

    @Test
    void shouldLetTheStreamThreadEmbedItselfWhenDecodingOrEmbeddingAheadFailed() {
        ahead.offer(slot(1), () -> {
            throw new IllegalStateException("undecodable");
        });
        ahead.offer(slot(2), () -> null);
        awaitMade(1, 2);

        assertThat(ahead.take(slot(1), SemanticCache.IN_PROCESS, "anything")).isNull();
        assertThat(ahead.take(slot(2), SemanticCache.IN_PROCESS, "anything")).isNull();
        assertThat(ahead.pending())
                .as("nothing to make is not kept until forgotten")
                .isZero();
    }

    @Test
    void shouldForgetWhatWasOfferedAndNeverTaken() {
        CountDownLatch busy = new CountDownLatch(1);
        try (EmbedAhead forgetful = new EmbedAhead(cache, 1, 0)) {
            // The one thread held by the first: the others wait in the queue, offered and not taken.
            forgetful.offer(slot(0), () -> {
                busy.await(10, TimeUnit.SECONDS);
                return null;
            });
            for (int i = 1; i < EmbedAhead.PURGE_EVERY - 1; i++) {
                forgetful.offer(slot(i), () -> text("never read"));
            }
            assertThat(forgetful.pending()).isEqualTo(EmbedAhead.PURGE_EVERY - 1);

            forgetful.offer(slot(EmbedAhead.PURGE_EVERY), () -> null);

            assertThat(forgetful.pending()).as("only the newest left").isEqualTo(1);
        } finally {
            busy.countDown();
        }
    }
}
