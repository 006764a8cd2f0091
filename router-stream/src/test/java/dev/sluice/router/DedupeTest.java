package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DedupeTest {
    private final RouterHarness h = new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void shouldNeverMakeASecondJobForADuplicateAndGiveItTheOriginalsOutcomeWhenItArrives() {
        h.tenant(tenant("acme"));
        h.send(build("first", "acme").idempotencyKey("order-42").done());
        h.send(build("again", "acme").idempotencyKey("order-42").done());

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).extracting(LlmJob::requestId).containsExactly("first");
        assertThat(h.completions())
                .as("nothing until the original has a result")
                .isEmpty();

        h.result(RouterHarness.succeeded(jobs.getFirst(), "the answer", 900));

        assertThat(h.completions()).singleElement().satisfies(dup -> {
            assertThat(dup.requestId()).isEqualTo("again");
            assertThat(dup.duplicateOf()).isEqualTo("first");
            assertThat(dup.status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(dup.output()).isEqualTo("the answer");
            assertThat(dup.costMicros()).isZero();
            assertThat(dup.idempotencyKey()).isEqualTo("order-42");
        });
    }

    @Test
    void shouldAnswerADuplicateAtOnceWhenTheOriginalAlreadyFinished() {
        h.tenant(tenant("acme"));
        h.send(build("first", "acme").idempotencyKey("k").done());
        LlmJob job = h.jobs().getFirst();
        h.result(RouterHarness.failed(job));

        h.send(build("later", "acme").idempotencyKey("k").done());

        assertThat(h.jobs()).isEmpty();
        assertThat(h.completions()).singleElement().satisfies(dup -> {
            assertThat(dup.duplicateOf()).isEqualTo("first");
            assertThat(dup.status()).isEqualTo(ResultStatus.FAILED);
            assertThat(dup.error().code()).isEqualTo("PROVIDER_UNAVAILABLE");
        });
    }

    @Test
    void shouldTreatTheSameKeyOfAnotherTenantAsANewRequest() {
        h.tenant(tenant("acme")).tenant(tenant("globex"));
        h.send(build("a", "acme").idempotencyKey("k").done());
        h.send(build("b", "globex").idempotencyKey("k").done());

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void shouldProcessTheKeyAgainOnceTheWindowHasPassed() {
        h.tenant(tenant("acme"));
        h.send(build("first", "acme").idempotencyKey("k").done());
        h.result(RouterHarness.succeeded(h.jobs().getFirst(), "x", 10));

        h.advance(Duration.ofHours(24).plusMinutes(1));
        h.send(build("next-day", "acme").idempotencyKey("k").createdAt(h.now()).done());

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("next-day");
    }

    @Test
    void shouldAnswerWaitingDuplicatesWhenTheOriginalNeverFinishesWithinTheWindow() {
        h.tenant(tenant("acme"));
        h.send(build("first", "acme").idempotencyKey("k").done());
        h.send(build("dup", "acme").idempotencyKey("k").done());
        h.jobs();

        h.advance(Duration.ofHours(24).plusMinutes(1));

        List<LlmResult> out = h.completions();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("dup");
            assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
            assertThat(r.error().code()).isEqualTo(Reasons.ORIGINAL_UNFINISHED);
        });
    }

    @Test
    void shouldUseTheRequestIdAsKeyWhenThereIsNoIdempotencyKey() {
        h.tenant(tenant("acme"));
        h.send(build("same-id", "acme").done());
        h.send(build("same-id", "acme").done());
        h.send(build("other-id", "acme").done());

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("same-id", "other-id");
    }

    @Test
    void shouldRejectAReusedKeyWithAnotherBodyAndStillAnswerTheSameBodyAsADuplicate() {
        h.tenant(tenant("acme"));
        h.send(build("first", "acme")
                .idempotencyKey("order-7")
                .prompt("Refund order 7")
                .done());
        h.send(build("other", "acme")
                .idempotencyKey("order-7")
                .prompt("Refund order 8")
                .done());
        h.send(build("retry", "acme")
                .idempotencyKey("order-7")
                .prompt("Refund order 7")
                .createdAt(RouterHarness.T0.plusSeconds(5))
                .done());

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).extracting(LlmJob::requestId).containsExactly("first");
        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("other");
            assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(r.error().code()).isEqualTo(Reasons.IDEMPOTENCY_KEY_REUSED);
            assertThat(r.error().message()).contains("order-7").contains("first");
            assertThat(r.duplicateOf()).isNull();
        });

        h.result(RouterHarness.succeeded(jobs.getFirst(), "refunded", 900));
        h.send(build("late-other", "acme")
                .idempotencyKey("order-7")
                .prompt("Refund order 9")
                .done());

        assertThat(h.completions())
                .extracting(
                        LlmResult::requestId,
                        r -> r.error() == null
                                ? "duplicate of " + r.duplicateOf()
                                : r.error().code())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("retry", "duplicate of first"),
                        org.assertj.core.groups.Tuple.tuple("late-other", Reasons.IDEMPOTENCY_KEY_REUSED));
    }

    @Test
    void shouldKnowARetryByWhatTheCallerSentThoughAnExperimentChangedTheJobsPrompt() {
        TenantConfig plain = tenant("acme");
        TenantConfig prompted = new TenantConfig(
                "acme",
                null,
                null,
                null,
                null,
                null,
                null,
                plain.webhooks(),
                null,
                null,
                List.of(new TenantConfig.Experiment(
                        "prompts",
                        List.of(new TenantConfig.Variant("short", 1, null, null, "v2", "Answer in one word.")))),
                3600,
                1,
                RouterHarness.T0);
        h.tenant(prompted);
        h.send(build("first", "acme")
                .idempotencyKey("k-1")
                .userId("u")
                .prompt("Refund order 7")
                .done());
        // A retry while the first runs waits for it; one after the experiment ended is still a retry.
        h.send(build("retry", "acme")
                .idempotencyKey("k-1")
                .userId("u")
                .prompt("Refund order 7")
                .done());
        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).extracting(LlmJob::requestId).containsExactly("first");
        assertThat(jobs.getFirst().request().messages().getFirst().content()).isEqualTo("Answer in one word.");
        h.tenant(plain);
        h.send(build("later", "acme")
                .idempotencyKey("k-1")
                .userId("u")
                .prompt("Refund order 7")
                .done());
        h.result(RouterHarness.succeeded(jobs.getFirst(), "refunded", 900));
        h.send(build("after", "acme")
                .idempotencyKey("k-1")
                .userId("u")
                .prompt("Refund order 7")
                .done());

        assertThat(h.completions())
                .extracting(
                        LlmResult::requestId,
                        r -> r.error() == null
                                ? "duplicate of " + r.duplicateOf()
                                : r.error().code())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("retry", "duplicate of first"),
                        org.assertj.core.groups.Tuple.tuple("later", "duplicate of first"),
                        org.assertj.core.groups.Tuple.tuple("after", "duplicate of first"));
    }

    @Test
    void shouldKeepAtMostAHundredDuplicatesWaitingAndAnswerTheNextThatTheOriginalStillRuns() {
        h.tenant(tenant("acme"));
        for (int i = 0; i <= dev.sluice.router.state.DedupeEntry.MAX_WAITING + 1; i++) {
            h.send(build("r-" + i, "acme").idempotencyKey("busy").done());
        }

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).extracting(LlmJob::requestId).containsExactly("r-0");
        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("r-101");
            assertThat(r.error().code()).isEqualTo(Reasons.DUPLICATE_IN_PROGRESS);
        });
        h.result(RouterHarness.succeeded(jobs.getFirst(), "done", 10));
        assertThat(h.completions())
                .hasSize(dev.sluice.router.state.DedupeEntry.MAX_WAITING)
                .allSatisfy(r -> assertThat(r.duplicateOf()).isEqualTo("r-0"));
    }

    @Test
    void shouldAnswerNothingForTheOriginalProducedAgainSoItsOneResultIsTheOriginals() {
        h.tenant(tenant("acme"));
        h.send(build("same", "acme").prompt("Refund order 3").done());
        h.send(build("same", "acme")
                .prompt("Refund order 3, with other metadata")
                .done());
        for (int i = 0; i < dev.sluice.router.state.DedupeEntry.MAX_WAITING + 5; i++) {
            h.send(build("same", "acme").prompt("Refund order 3").done());
        }

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).extracting(LlmJob::requestId).containsExactly("same");
        assertThat(h.completions()).isEmpty();
        h.result(RouterHarness.succeeded(jobs.getFirst(), "refunded", 10));
        h.send(build("same", "acme").prompt("Refund order 3").done());
        assertThat(h.completions()).isEmpty();
    }
}
