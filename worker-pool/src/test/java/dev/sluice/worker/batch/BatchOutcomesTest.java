package dev.sluice.worker.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.BatchJob;
import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.worker.FailureCodes;
import dev.sluice.worker.provider.BatchLineResult;
import dev.sluice.worker.provider.ProviderException;
import dev.sluice.worker.provider.ProviderReply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each kind of batch line means for its job. */
class BatchOutcomesTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final ModelSpec MODEL = ModelCatalogue.loadDefault().require("gpt-4.1-mini");
    private static final ProviderBatch BATCH = ProviderBatch.intent(
                    "sb-1", "openai", MODEL.name(), List.of(new BatchJob("r-1", "acme", 0, 0)), NOW.minusSeconds(600))
            .submitted("batch_abc", NOW);

    private final BatchOutcomes outcomes =
            new BatchOutcomes(Clock.fixed(NOW, ZoneOffset.UTC), tenant -> tenant.equals("private"));

    private static LlmJob job(String tenant, Instant deadline, ResponseFormat format) {
        LlmRequest r = new LlmRequest(
                "r-1",
                tenant,
                null,
                null,
                Priority.HIGH,
                deadline,
                null,
                null,
                List.of(Message.user("Say hello")),
                64,
                0.0,
                format,
                null,
                null,
                NOW.minusSeconds(900));
        return new LlmJob(
                r, Tier.SMALL, List.of(MODEL.name()), 10, 5, null, "B", "", 0, true, false, NOW.minusSeconds(800));
    }

    private static BatchLineResult answer(String text) {
        return BatchLineResult.succeeded(
                "r-1", new ProviderReply(text, "stop", new Usage(1000, 200, 0, 0), 200, "req_1"));
    }

    @Test
    void shouldCompleteAnAnswerAtBatchPrices() {
        BatchOutcomes.Decision d = outcomes.decide(BATCH, MODEL, job("acme", null, null), answer("hello"));

        assertThat(d).isInstanceOf(BatchOutcomes.Complete.class);
        var result = ((BatchOutcomes.Complete) d).result();
        assertThat(result.status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(result.batch()).isTrue();
        assertThat(result.output()).isEqualTo("hello");
        assertThat(result.variant()).isEqualTo("B");
        long batchPrice = Pricing.costMicros(MODEL, new Usage(1000, 200, 0, 0), CostBasis.BATCH);
        long listPrice = Pricing.costMicros(MODEL, new Usage(1000, 200, 0, 0), CostBasis.SYNC);
        assertThat(batchPrice).isEqualTo(listPrice / 2);
        assertThat(result.costMicros()).isEqualTo(batchPrice);
        assertThat(d.costs()).singleElement().satisfies(c -> {
            assertThat(c.basis()).isEqualTo(CostBasis.BATCH);
            assertThat(c.costMicros()).isEqualTo(batchPrice);
            assertThat(c.batchId()).isEqualTo("sb-1");
            assertThat(c.requestId()).isEqualTo("r-1");
        });
    }

    @Test
    void shouldRedactAnswersForTenantsThatAskIt() {
        var d = (BatchOutcomes.Complete)
                outcomes.decide(BATCH, MODEL, job("private", null, null), answer("write to ann@example.com"));

        assertThat(d.result().output()).doesNotContain("ann@example.com");
    }

    @Test
    void shouldRedriveExpiredAndMissingLinesWhileTheDeadlineAllows() {
        LlmJob patient = job("acme", NOW.plus(Duration.ofHours(2)), null);

        BatchOutcomes.Decision expired =
                outcomes.decide(BATCH, MODEL, patient, BatchLineResult.notRun("r-1", BatchLineResult.Kind.EXPIRED));
        BatchOutcomes.Decision missing = outcomes.decide(BATCH, MODEL, patient, null);

        assertThat(expired).isInstanceOfSatisfying(BatchOutcomes.Redrive.class, r -> {
            assertThat(r.job().batchEligible()).isFalse();
            assertThat(r.job().attempt()).isEqualTo(1);
            assertThat(r.job().routeReason()).contains("expired").contains("sb-1");
            assertThat(r.costs()).isEmpty();
        });
        assertThat(missing).isInstanceOf(BatchOutcomes.Redrive.class);
    }

    @Test
    void shouldEndExpiredLinesExpiredOncePastTheDeadline() {
        var d = outcomes.decide(
                BATCH,
                MODEL,
                job("acme", NOW.plusSeconds(30), null),
                BatchLineResult.notRun("r-1", BatchLineResult.Kind.EXPIRED));

        assertThat(d).isInstanceOfSatisfying(BatchOutcomes.Complete.class, c -> {
            assertThat(c.result().status()).isEqualTo(ResultStatus.EXPIRED);
            assertThat(c.result().error().code()).isEqualTo(FailureCodes.BATCH_EXPIRED);
            assertThat(c.result().error().message()).contains("deadline");
        });
    }

    @Test
    void shouldRedriveRetryableErrorsAndFailTheRest() {
        LlmJob patient = job("acme", null, null);
        var retryable = outcomes.decide(
                BATCH,
                MODEL,
                patient,
                BatchLineResult.errored(
                        "r-1", new ProviderException(500, "server_error", null, "openai: boom", true, null)));
        var rejected = outcomes.decide(
                BATCH,
                MODEL,
                patient,
                BatchLineResult.errored(
                        "r-1",
                        new ProviderException(
                                400, "invalid_request_error", null, "openai: bad max_tokens", false, null)));
        var late = outcomes.decide(
                BATCH,
                MODEL,
                job("acme", NOW.minusSeconds(1), null),
                BatchLineResult.errored(
                        "r-1", new ProviderException(500, "server_error", null, "openai: boom", true, null)));

        assertThat(retryable).isInstanceOf(BatchOutcomes.Redrive.class);
        assertThat(rejected).isInstanceOfSatisfying(BatchOutcomes.Complete.class, c -> {
            assertThat(c.result().status()).isEqualTo(ResultStatus.FAILED);
            assertThat(c.result().error().code()).isEqualTo(FailureCodes.PROVIDER_REJECTED);
            assertThat(c.result().error().message()).contains("bad max_tokens");
        });
        assertThat(late)
                .isInstanceOfSatisfying(
                        BatchOutcomes.Complete.class,
                        c -> assertThat(c.result().error().code()).isEqualTo(FailureCodes.PROVIDER_UNAVAILABLE));
    }

    @Test
    void shouldRedriveAnAnswerThatIsNotTheJsonAskedForAndStillBillIt() {
        var d = outcomes.decide(
                BATCH,
                MODEL,
                job("acme", null, new ResponseFormat(ResponseFormat.Type.JSON, null, null)),
                answer("not json"));

        assertThat(d).isInstanceOfSatisfying(BatchOutcomes.Redrive.class, r -> {
            assertThat(r.costs()).hasSize(1);
            assertThat(r.reason()).contains("JSON");
        });
    }
}
