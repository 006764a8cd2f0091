package dev.sluice.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.RateLimitHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RateLimiter layer with an injected clock: sleeps move the clock, nothing really waits. */
class RateLimitsTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00Z");

    private final MutableClock clock = new MutableClock(T);
    private final List<Duration> sleeps = new ArrayList<>();
    private final RateLimits limits = new RateLimits(
            clock,
            d -> {
                sleeps.add(d);
                clock.advance(d);
            },
            Duration.ofMinutes(5));

    private static ModelSpec model(int rpm, long tpm) {
        return new ModelSpec("m", "openai", 1, 1, 1, 1, 1, 1, 1, 128_000, 4_096, 1_024, rpm, tpm, false);
    }

    private long waited() {
        return sleeps.stream().mapToLong(Duration::toMillis).sum();
    }

    @Test
    void shouldTakeTheShareOfEachLimitThatThePartitionsOwnedGive() throws Exception {
        ModelSpec m = model(600, 600_000);
        assertThat(limits.availableRequests(m)).isEqualTo(600);

        limits.share(4, 12);

        assertThat(limits.share()).isEqualTo(1.0 / 3);
        assertThat(limits.availableRequests(m)).isEqualTo(200);
        assertThat(limits.availableTokens(m)).isEqualTo(200_000);
        for (int i = 0; i < 200; i++) {
            limits.acquire(m, 10, null);
        }
        assertThat(sleeps).isEmpty();

        // The 201st call waits for the refill: 200 a minute is one every 300 ms.
        limits.acquire(m, 10, null);
        assertThat(waited()).isBetween(300L, 301L);
    }

    @Test
    void shouldGiveAnInstanceMoreOfTheLimitWhenARebalanceGivesItMorePartitions() throws Exception {
        ModelSpec m = model(600, 600_000);
        limits.share(4, 12);
        for (int i = 0; i < 100; i++) {
            limits.acquire(m, 10, null);
        }
        assertThat(limits.availableRequests(m)).isEqualTo(100);

        // Another instance left: this one now owns 6 of 12.
        limits.share(6, 12);

        // Tokens left scale with the capacity (100 of 200 becomes 150 of 300), and the refill is 300 a minute.
        assertThat(limits.availableRequests(m)).isEqualTo(150);
        clock.advance(Duration.ofMinutes(1));
        assertThat(limits.availableRequests(m)).isEqualTo(300);
    }

    @Test
    void shouldKeepInstancesTogetherWithinTheKeysLimit() throws Exception {
        ModelSpec m = model(90, 1_000_000);
        List<RateLimits> instances = List.of(newLimits(), newLimits(), newLimits());
        instances.forEach(l -> l.share(4, 12));
        long sent = 0;
        for (RateLimits l : instances) {
            while (l.availableRequests(m) > 0) {
                l.acquire(m, 1, null);
                sent++;
            }
        }
        assertThat(sent).isEqualTo(90);
    }

    private RateLimits newLimits() {
        return new RateLimits(clock, clock::advance, Duration.ofMinutes(5));
    }

    @Test
    void shouldCountTokensNotJustRequests() throws Exception {
        ModelSpec m = model(10_000, 6_000);
        limits.acquire(m, 4_000, null);
        assertThat(sleeps).isEmpty();

        // 2,000 left; 4,000 needs 2,000 more at 100 tokens a second.
        limits.acquire(m, 4_000, null);

        assertThat(waited()).isBetween(20_000L, 20_001L);
    }

    @Test
    void shouldAdoptTheLimitTheProviderReportsAndSlowDownToWhatIsLeft() throws Exception {
        ModelSpec m = model(30_000, 150_000_000);
        limits.share(6, 12);

        limits.observe(
                m, new RateLimitHeaders(500L, 40L, Duration.ofSeconds(6), 200_000L, 150_000L, Duration.ofSeconds(3)));

        assertThat(limits.keyLimits(m)).containsExactly(500, 200_000);
        // Half of what the key has left, not half of the full limit.
        assertThat(limits.availableRequests(m)).isEqualTo(20);
        assertThat(limits.availableTokens(m)).isEqualTo(75_000);
    }

    @Test
    void shouldHoldAReportedLimitTooLargeForABucketAtTheLargestItCanRefill() throws Exception {
        ModelSpec m = model(30_000, 150_000_000);

        limits.observe(
                m,
                new RateLimitHeaders(
                        1_000_000L,
                        999_999L,
                        Duration.ofMillis(1),
                        1_000_000_000_000L,
                        999_999_999_999L,
                        Duration.ofMillis(1)));
        limits.acquire(m, 4_000, null);

        assertThat(limits.keyLimits(m)).containsExactly(1_000_000, 1_000_000_000_000L);
        assertThat(limits.availableTokens(m)).isEqualTo(RateLimits.MAX_PER_MINUTE - 4_000);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void shouldStopCallingTheModelUntilTheRetryAfterOfA429HasPassed() throws Exception {
        ModelSpec m = model(600, 600_000);

        limits.rateLimited(m, Duration.ofSeconds(7), RateLimitHeaders.NONE);
        limits.acquire(m, 10, null);

        assertThat(waited()).isEqualTo(7_000);
    }

    @Test
    void shouldWaitForTheResetWhenTheProviderSaysNoRequestsAreLeft() throws Exception {
        ModelSpec m = model(600, 600_000);

        limits.observe(m, new RateLimitHeaders(600L, 0L, Duration.ofMillis(2_500), null, null, null));
        limits.acquire(m, 10, null);

        assertThat(waited()).isGreaterThanOrEqualTo(2_500);
    }

    @Test
    void shouldNotStopTheModelForA429ThatSaysNothingAboutWhenToComeBack() throws Exception {
        ModelSpec m = model(600, 600_000);

        limits.rateLimited(m, null, RateLimitHeaders.NONE);
        limits.acquire(m, 10, null);

        assertThat(sleeps).isEmpty();
    }

    @Test
    void shouldHoldATenantToItsShareOfItsPlanWithoutWaiting() {
        limits.share(6, 12);

        int started = 0;
        while (limits.tryStartTenant("acme", 60, null, 500)) {
            started++;
        }

        assertThat(started).as("half of 60 a minute").isEqualTo(30);
        assertThat(sleeps).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(limits.tryStartTenant("acme", 60, null, 500))
                .as("one more after two seconds")
                .isTrue();
        assertThat(limits.tryStartTenant("acme", 60, null, 500)).isFalse();
        assertThat(limits.tryStartTenant("other", 60, null, 500))
                .as("tenants apart")
                .isTrue();
    }

    @Test
    void shouldCountATenantsTokensAndLetAPlanWithoutLimitsThrough() {
        assertThat(limits.tryStartTenant("acme", null, 1_000L, 600)).isTrue();
        assertThat(limits.tryStartTenant("acme", null, 1_000L, 600)).isFalse();
        for (int i = 0; i < 10_000; i++) {
            assertThat(limits.tryStartTenant("unlimited", null, null, 1_000_000))
                    .isTrue();
        }
    }

    @Test
    void shouldCapAllTheWaitsOfOneCallTogetherNotEachAlone() throws Exception {
        ModelSpec m = model(600, 600_000);
        Instant firstTry = clock.instant();
        clock.advance(Duration.ofMinutes(4));
        limits.rateLimited(m, Duration.ofSeconds(90), RateLimitHeaders.NONE);

        assertThatThrownBy(() -> limits.acquire(m, 10, null, firstTry))
                .isInstanceOf(RateLimits.WaitTooLong.class)
                .hasMessageContaining("within 300 s")
                .hasMessageContaining("worker.rate.limit.max.wait");
        assertThat(sleeps).isEmpty();

        assertThat(limits.acquire(m, 10, null, clock.instant()))
                .as("a call that starts waiting now")
                .isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void shouldRefuseAWaitThatWouldPassTheDeadline() {
        ModelSpec m = model(600, 600_000);
        limits.rateLimited(m, Duration.ofSeconds(30), RateLimitHeaders.NONE);

        assertThatThrownBy(() -> limits.acquire(m, 10, T.plusSeconds(10)))
                .isInstanceOf(RateLimits.WaitTooLong.class)
                .hasMessageContaining("openai/m")
                .hasMessageContaining("the job's deadline");
        assertThat(sleeps).isEmpty();
    }
}
