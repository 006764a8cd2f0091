package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmJob;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkerWorkloadTest {
    private final Topics topics = new Topics("wb.");
    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();

    @Test
    void shouldQueueNormalSmallAndMediumJobsOnTheirTopicsForManyTenants() {
        WorkerWorkload w = new WorkerWorkload(20, 42, "r1", topics, catalogue);
        List<WorkerWorkload.Queued> all = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            all.add(w.next());
        }

        assertThat(all).allSatisfy(q -> {
            LlmJob job = q.job();
            assertThat(job.request().priority()).isEqualTo(Priority.NORMAL);
            assertThat(job.tier()).isIn(Tier.SMALL, Tier.MEDIUM);
            assertThat(q.topic()).isEqualTo(topics.job(job.tier(), Priority.NORMAL));
            assertThat(job.modelChain()).isEqualTo(catalogue.chain(job.tier()));
            assertThat(catalogue
                            .model(job.modelChain().getFirst())
                            .orElseThrow()
                            .provider())
                    .isEqualTo("openai");
            assertThat(job.request().metadata()).containsEntry("bench", "r1");
        });
        Map<Tier, Long> perTier =
                all.stream().collect(Collectors.groupingBy(q -> q.job().tier(), Collectors.counting()));
        assertThat(perTier.get(Tier.SMALL)).isBetween(2_250L, 2_750L);
        Map<String, Long> perTenant =
                all.stream().collect(Collectors.groupingBy(q -> q.job().tenantId(), Collectors.counting()));
        assertThat(perTenant).hasSize(20);
        assertThat(all.stream()
                        .filter(q -> q.job().request().responseFormat() != null
                                && q.job().request().responseFormat().type() == ResponseFormat.Type.JSON)
                        .count())
                .isEqualTo(500);
        assertThat(all.stream().map(q -> q.job().requestId()).distinct().count())
                .isEqualTo(5_000);
    }

    @Test
    void shouldGiveTenantsDifferentWeightsAndSomeRedaction() {
        List<TenantConfig> tenants = new WorkerWorkload(20, 1, "r1", topics, catalogue).tenants();

        assertThat(tenants).hasSize(20);
        assertThat(tenants).filteredOn(t -> t.guardrails().redactPii()).hasSize(4);
        assertThat(tenants.stream()
                        .collect(Collectors.groupingBy(TenantConfig::fairShareWeight, Collectors.counting())))
                .containsOnlyKeys(1, 2, 3);
    }

    @Test
    void shouldRepeatTheSameSequenceForTheSameSeed() {
        WorkerWorkload a = new WorkerWorkload(5, 9, "r1", topics, catalogue);
        WorkerWorkload b = new WorkerWorkload(5, 9, "r1", topics, catalogue);
        Function<WorkerWorkload.Queued, Object> content = q -> List.of(
                q.topic(),
                q.job().tenantId(),
                q.job().request().messages(),
                q.job().request().maxOutputTokens());
        for (int i = 0; i < 500; i++) {
            assertThat(content.apply(a.next())).isEqualTo(content.apply(b.next()));
        }
    }
}
