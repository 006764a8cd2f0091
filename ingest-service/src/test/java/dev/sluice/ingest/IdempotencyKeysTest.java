package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {
    private static final Instant START = Instant.parse("2026-11-22T12:00:00Z");
    private final AtomicReference<Instant> now = new AtomicReference<>(START);
    private final IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(24), 3, now::get);

    private static LlmRequest job(String requestId, String tenantId, String key, String prompt) {
        return new LlmRequest(
                requestId,
                tenantId,
                key,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user(prompt)),
                LlmRequest.DEFAULT_MAX_OUTPUT_TOKENS,
                null,
                null,
                null,
                Map.of(),
                START);
    }

    @Test
    void shouldNameTheFirstJobOfAKeyTakenAgainWithAnotherJob() {
        assertThat(keys.claim(List.of(job("r-1", "acme", "k", "Summarise A")))).isEmpty();
        now.set(START.plusSeconds(5));

        List<IdempotencyKeys.Conflict> conflicts = keys.claim(List.of(job("r-2", "acme", "k", "Summarise B")));

        assertThat(conflicts).singleElement().satisfies(c -> {
            assertThat(c.index()).isZero();
            assertThat(c.key()).isEqualTo("k");
            assertThat(c.original().requestId()).isEqualTo("r-1");
            assertThat(c.original().at()).isEqualTo(START);
        });
    }

    @Test
    void shouldLetTheSameJobThroughAgainAndKeepItsFirstUse() {
        keys.claim(List.of(job("r-1", "acme", "k", "Summarise A")));

        assertThat(keys.claim(List.of(job("r-2", "acme", "k", "Summarise A"))))
                .as("a retry")
                .isEmpty();
        assertThat(keys.claim(List.of(job("r-3", "acme", "k", "Summarise B"))))
                .singleElement()
                .satisfies(c -> assertThat(c.original().requestId()).isEqualTo("r-1"));
    }

    @Test
    void shouldKeepTenantsApartAndIgnoreJobsWithoutAKey() {
        keys.claim(List.of(job("r-1", "acme", "k", "Summarise A"), job("r-2", "acme", null, "x")));

        assertThat(keys.claim(List.of(job("r-3", "globex", "k", "Summarise B"))))
                .isEmpty();
        assertThat(keys.claim(List.of(job("r-4", "acme", null, "y")))).isEmpty();
        assertThat(keys.size()).isEqualTo(2);
    }

    @Test
    void shouldForgetAKeyOnceTheWindowHasPassed() {
        keys.claim(List.of(job("r-1", "acme", "k", "Summarise A")));
        now.set(START.plus(Duration.ofHours(24)).minusMillis(1));
        assertThat(keys.claim(List.of(job("r-2", "acme", "k", "Summarise B"))))
                .as("within the window")
                .hasSize(1);

        now.set(START.plus(Duration.ofHours(24)));

        assertThat(keys.claim(List.of(job("r-3", "acme", "k", "Summarise B")))).isEmpty();
        assertThat(keys.claim(List.of(job("r-4", "acme", "k", "Summarise A"))))
                .as("now held by r-3")
                .hasSize(1);
    }

    @Test
    void shouldHoldAtMostMaxKeysDroppingTheOldest() {
        for (int i = 1; i <= 4; i++) {
            now.set(START.plusSeconds(i));
            keys.claim(List.of(job("r-" + i, "acme", "k-" + i, "job " + i)));
        }

        assertThat(keys.size()).isEqualTo(3);
        assertThat(keys.claim(List.of(job("r-5", "acme", "k-1", "another"))))
                .as("k-1 was dropped")
                .isEmpty();
        assertThat(keys.claim(List.of(job("r-6", "acme", "k-4", "another")))).hasSize(1);
    }

    @Test
    void shouldClaimEveryKeyOfABatchOrNone() {
        keys.claim(List.of(job("r-1", "acme", "k-1", "first")));

        List<IdempotencyKeys.Conflict> conflicts = keys.claim(List.of(
                job("r-2", "acme", "k-2", "a"),
                job("r-3", "acme", "k-1", "not first"),
                job("r-4", "acme", "k-3", "b")));

        assertThat(conflicts).extracting(IdempotencyKeys.Conflict::index).containsExactly(1);
        assertThat(keys.size()).as("neither k-2 nor k-3 was kept").isEqualTo(1);
    }

    @Test
    void shouldGiveBackOnlyTheKeysTheReleasedJobsClaimed() {
        keys.claim(List.of(job("r-1", "acme", "k-1", "first")));
        LlmRequest retry = job("r-2", "acme", "k-1", "first");
        LlmRequest fresh = job("r-3", "acme", "k-2", "second");
        keys.claim(List.of(retry, fresh));

        keys.release(List.of(retry, fresh));

        assertThat(keys.claim(List.of(job("r-4", "acme", "k-2", "other"))))
                .as("k-2 given back")
                .isEmpty();
        assertThat(keys.claim(List.of(job("r-5", "acme", "k-1", "other"))))
                .as("k-1 still r-1's")
                .hasSize(1);
    }
}
