package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TenantRateLimitsTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(42 * SECOND);
    /** 6000 a minute by default; each bucket holds ten seconds of its rate. */
    private final TenantRateLimits limits = new TenantRateLimits(6000, 10, clock::get);

    private void advance(long nanos) {
        clock.addAndGet(nanos);
    }

    @Test
    void shouldAdmitABurstOfTenSecondsThenOnlyAsTokensRefill() {
        // 60 a minute: one a second, a bucket of 10.
        for (int i = 0; i < 10; i++) {
            assertThat(limits.take("acme", 60, 1))
                    .as("request %d of the burst", i)
                    .isZero();
        }
        assertThat(limits.take("acme", 60, 1)).isEqualTo(SECOND);

        advance(SECOND / 2);
        assertThat(limits.take("acme", 60, 1)).isEqualTo(SECOND / 2);
        advance(SECOND / 2);
        assertThat(limits.take("acme", 60, 1)).isZero();
        assertThat(limits.take("acme", 60, 1)).isEqualTo(SECOND);
    }

    @Test
    void shouldHoldATenantWithoutItsOwnLimitToTheDefault() {
        for (int i = 0; i < 1000; i++) {
            assertThat(limits.take("acme", null, 1)).isZero();
        }
        // 6000 a minute is one every 10 ms.
        assertThat(limits.take("acme", null, 1)).isEqualTo(SECOND / 100);
        assertThat(limits.limitOf(null).burst()).isEqualTo(1000);
        assertThat(limits.limitOf(1).burst()).as("never below one request").isEqualTo(1);
        assertThat(limits.limitOf(90).burst()).isEqualTo(15);
    }

    @Test
    void shouldTakeATokenPerJobOfABatchAndNothingWhenRefused() {
        assertThat(limits.take("acme", 60, 4)).isZero();
        assertThat(limits.take("acme", 60, 7)).as("7 jobs, 6 tokens left").isEqualTo(SECOND);
        assertThat(limits.take("acme", 60, 6))
                .as("the refused batch took nothing")
                .isZero();
        assertThat(limits.take("acme", 60, 1)).isEqualTo(SECOND);
    }

    @Test
    void shouldAdmitABatchLargerThanTheBucketOnlyFromAFullBucketAndThenWaitOffTheDebt() {
        assertThat(limits.take("acme", 60, 5)).isZero();
        assertThat(limits.take("acme", 60, 25))
                .as("needs a full bucket: 5 more tokens")
                .isEqualTo(5 * SECOND);

        advance(5 * SECOND);
        assertThat(limits.take("acme", 60, 25)).isZero();
        // 10 - 25 = -15 tokens: the next request waits 16 s.
        assertThat(limits.take("acme", 60, 1)).isEqualTo(16 * SECOND);
    }

    @Test
    void shouldKeepEachTenantsBucketApart() {
        assertThat(limits.take("acme", 60, 10)).isZero();
        assertThat(limits.take("acme", 60, 1)).isPositive();
        assertThat(limits.take("globex", 60, 10)).isZero();
    }

    @Test
    void shouldApplyAChangedRateFromNowOnKeepingTheTokensLeft() {
        assertThat(limits.take("acme", 60, 10)).isZero();
        // Raised to 600 a minute (a bucket of 100): still empty, but refilling ten times faster.
        assertThat(limits.take("acme", 600, 1)).isEqualTo(SECOND / 10);
        advance(SECOND);
        assertThat(limits.take("acme", 600, 10)).isZero();
        assertThat(limits.take("acme", 600, 1)).isPositive();
    }

    @Test
    void shouldFillUpAfterAnyIdleTimeWithoutOverflowing() {
        assertThat(limits.take("acme", TenantRateLimits.MAX_PER_MINUTE, 1)).isZero();
        advance(Long.MAX_VALUE / 4);
        assertThat(limits.take("acme", TenantRateLimits.MAX_PER_MINUTE, 1000)).isZero();
        assertThat(limits.take("acme", 60, 10))
                .as("a lower limit caps what is left")
                .isZero();
        assertThat(limits.take("acme", 60, 1)).isEqualTo(SECOND);
    }

    @Test
    void shouldAnswerRetryAfterInWholeSecondsRoundedUpAndNeverBelowOne() {
        assertThat(TenantRateLimits.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(TenantRateLimits.retryAfterSeconds(SECOND)).isEqualTo(1);
        assertThat(TenantRateLimits.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
        assertThat(TenantRateLimits.retryAfterSeconds(59 * SECOND + SECOND / 2)).isEqualTo(60);
    }
}
