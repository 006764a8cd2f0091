package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.tokens.TokenCounter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CostWorkloadTest {
    private final CostWorkload workload = new CostWorkload(10_000, 42, "t");

    @Test
    void shouldMixTheKindsAsTheReferenceWorkloadSays() {
        Map<CostWorkload.Kind, Long> kinds =
                workload.jobs().stream().collect(Collectors.groupingBy(CostWorkload.Job::kind, Collectors.counting()));

        assertThat(kinds.get(CostWorkload.Kind.SIMPLE)).isBetween(5_800L, 6_200L);
        assertThat(kinds.get(CostWorkload.Kind.COMPLEX)).isBetween(1_350L, 1_650L);
        assertThat(kinds.get(CostWorkload.Kind.DUPLICATE)).isBetween(1_350L, 1_650L);
        assertThat(kinds.get(CostWorkload.Kind.PARAPHRASE)).isBetween(850L, 1_150L);
        assertThat(workload.jobs().stream().filter(CostWorkload.Job::deadline).count())
                .isBetween(2_800L, 3_200L);
        assertThat(workload.jobs().stream().map(CostWorkload.Job::provider).distinct())
                .hasSize(2);
    }

    @Test
    void shouldPutOneOfThreeSharedPromptsOfAboutThreeThousandTokensBeforeEveryJob() {
        for (int p = 0; p < 3; p++) {
            assertThat(TokenCounter.count(workload.prompt(p))).isBetween(2_700, 3_300);
        }
        assertThat(workload.jobs().stream().map(CostWorkload.Job::system).distinct())
                .hasSize(3);
    }

    @Test
    void shouldRepeatAnEarlierJobExactlyOrInOtherWords() {
        Map<Integer, CostWorkload.Job> byIndex =
                workload.jobs().stream().collect(Collectors.toMap(CostWorkload.Job::index, Function.identity()));
        for (CostWorkload.Job job : workload.jobs()) {
            CostWorkload.Job original = byIndex.get(job.original());
            assertThat(original.index()).isLessThanOrEqualTo(job.index());
            switch (job.kind()) {
                case DUPLICATE -> assertThat(job.task()).isEqualTo(original.task());
                case PARAPHRASE -> assertThat(job.task()).isNotEqualTo(original.task());
                default -> assertThat(job.original()).isEqualTo(job.index());
            }
        }
    }

    private static final TenantConfig.RoutingPolicy POLICY =
            new TenantConfig.RoutingPolicy(0.85, Map.of("analysis", "gpt-4.1-mini"), "eval");

    private static TenantConfig tenant(CostWorkload.Mode mode, CostWorkload.Job job, boolean semantic) {
        return CostWorkload.tenant("r", mode, job.provider(), semantic, POLICY);
    }

    @Test
    void shouldGiveEveryJobItsKindsCategoryAndItsOriginalsWhenItRepeatsOne() {
        for (CostWorkload.Job job : workload.jobs()) {
            CostWorkload.Job original = workload.jobs().get(job.original());
            assertThat(job.category()).isEqualTo(original.category());
            assertThat(job.category())
                    .isEqualTo(
                            original.kind() == CostWorkload.Kind.COMPLEX
                                    ? "analysis"
                                    : original.task().startsWith("Extract") ? "extraction" : "classification");
        }
    }

    @Test
    void shouldSendTheSameMessagesInEveryRunAndDifferOnlyInTheTenant() {
        CostWorkload.Job job = workload.jobs().get(5);
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        LlmRequest naive = workload.request(job, "r", CostWorkload.Mode.NAIVE, now);
        LlmRequest configured = workload.request(job, "r", CostWorkload.Mode.CONFIGURED, now);
        LlmRequest policy = workload.request(job, "r", CostWorkload.Mode.POLICY, now);

        assertThat(naive.messages()).isEqualTo(configured.messages()).isEqualTo(policy.messages());
        assertThat(naive.metadata()).isEqualTo(policy.metadata()).containsEntry("sluice.category", job.category());
        assertThat(policy.tenantId()).isNotEqualTo(configured.tenantId());
        assertThat(naive.messages().getFirst().cacheable()).isTrue();
        assertThat(naive.temperature()).isZero();
        assertThat(naive.tenantId()).isNotEqualTo(configured.tenantId());
        assertThat(tenant(CostWorkload.Mode.NAIVE, job, true).cache().enabled()).isFalse();
        assertThat(tenant(CostWorkload.Mode.CONFIGURED, job, true).cache().enabled())
                .isTrue();
        assertThat(tenant(CostWorkload.Mode.CONFIGURED, job, true).cache().semantic())
                .isTrue();
        assertThat(tenant(CostWorkload.Mode.CONFIGURED, job, false).cache().semantic())
                .isFalse();
        assertThat(tenant(CostWorkload.Mode.NAIVE, job, true).cache().semantic())
                .isFalse();
        assertThat(tenant(CostWorkload.Mode.CONFIGURED, job, false).routingPolicy())
                .isNull();
        assertThat(tenant(CostWorkload.Mode.POLICY, job, false).routingPolicy()).isEqualTo(POLICY);
        assertThat(tenant(CostWorkload.Mode.POLICY, job, false).defaultTier()).isEqualTo(dev.sluice.model.Tier.AUTO);
        assertThat(new CostWorkload(10_000, 42, "t").jobs())
                .as("fixed by the seed")
                .isEqualTo(workload.jobs());
        assertThat(List.of(Message.user(job.task()))).isNotEmpty();
    }
}
