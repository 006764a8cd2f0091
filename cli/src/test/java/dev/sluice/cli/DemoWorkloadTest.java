package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DemoWorkloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DemoTenants TENANTS = DemoTenants.forRun("run1");

    @Test
    void shouldHoldTheMixInEveryTwentyJobs() {
        Map<DemoWorkload.Kind, Long> kinds = DemoWorkload.mixed(TENANTS, 200, "run1").stream()
                .collect(Collectors.groupingBy(DemoWorkload.Job::kind, Collectors.counting()));

        assertThat(kinds)
                .containsEntry(DemoWorkload.Kind.DUPLICATE, 20L)
                .containsEntry(DemoWorkload.Kind.CACHE_REPEAT, 20L)
                .containsEntry(DemoWorkload.Kind.SEMANTIC_REPEAT, 9L)
                .containsEntry(DemoWorkload.Kind.BATCH_ELIGIBLE, 20L)
                .containsEntry(DemoWorkload.Kind.OVER_BUDGET, 20L)
                .containsEntry(DemoWorkload.Kind.INJECTION_BLOCKED, 5L)
                .containsEntry(DemoWorkload.Kind.INJECTION_FLAGGED, 5L)
                .containsEntry(DemoWorkload.Kind.NORMAL, 101L);
    }

    @Test
    void shouldRewordTheTicketOfATemperatureZeroJobSoTheSemanticCacheAnswersIt() throws Exception {
        List<DemoWorkload.Job> jobs = DemoWorkload.mixed(TENANTS, 40, "run1");

        JsonNode original = JSON.readTree(jobs.get(4).body());
        JsonNode reworded = JSON.readTree(jobs.get(28).body());

        assertThat(jobs.get(8).kind()).as("nothing 24 places before it").isEqualTo(DemoWorkload.Kind.NORMAL);
        assertThat(jobs.get(28).kind()).isEqualTo(DemoWorkload.Kind.SEMANTIC_REPEAT);
        assertThat(reworded.path("messages").get(0))
                .as("the same system prompt")
                .isEqualTo(original.path("messages").get(0));
        assertThat(reworded.path("temperature").asDouble()).isZero();
        assertThat(reworded.path("messages").get(1).path("content").asText())
                .contains("run1-4")
                .isNotEqualTo(original.path("messages").get(1).path("content").asText());
    }

    /** The demo expects a SEMANTIC hit for every reworded ticket: with the router's own model and matcher, each is one. */
    @Test
    void shouldHaveEveryRewordedTicketAcceptedByTheSemanticMatch() {
        dev.sluice.router.semantic.MiniLmEmbedder embedder = new dev.sluice.router.semantic.MiniLmEmbedder();
        dev.sluice.router.semantic.SemanticMatch match = new dev.sluice.router.semantic.SemanticMatch(embedder);
        for (int t = 0; t < DemoWorkload.TICKETS.length; t++) {
            String original = "Ticket #mj2x9k1-" + (20 * t + 4) + ": " + DemoWorkload.TICKETS[t];
            String reworded = "Ticket #mj2x9k1-" + (20 * t + 4) + ": " + DemoWorkload.TICKETS_REWORDED[t];
            dev.sluice.router.semantic.SemanticMatch.Verdict v = match.judge(
                    reworded,
                    embedder.embed(reworded),
                    original,
                    embedder.embed(original),
                    dev.sluice.model.TenantConfig.CachePolicy.DEFAULT_SEMANTIC_THRESHOLD);
            assertThat(v.hit())
                    .as("%s | %s: %s (%.3f)", original, reworded, v.refusal(), v.similarity())
                    .isTrue();
        }
    }

    @Test
    void shouldRepeatTheOriginalExactlyForDuplicatesAndCacheRepeats() throws Exception {
        List<DemoWorkload.Job> jobs = DemoWorkload.mixed(TENANTS, 20, "run1");

        JsonNode duplicate = JSON.readTree(jobs.get(12).body());
        assertThat(duplicate).isEqualTo(JSON.readTree(jobs.get(2).body()));
        assertThat(duplicate.path("idempotencyKey").asText()).contains("run1");

        JsonNode repeat = JSON.readTree(jobs.get(16).body());
        assertThat(repeat).isEqualTo(JSON.readTree(jobs.get(4).body()));
        assertThat(repeat.path("temperature").asDouble()).isZero();
        assertThat(JSON.readTree(jobs.get(18).body()))
                .isEqualTo(JSON.readTree(jobs.get(6).body()));
    }

    @Test
    void shouldSendOverBudgetJobsToTheRunsOwnTenantAndCarryTheRunIdInEveryPrompt() throws Exception {
        List<DemoWorkload.Job> jobs = DemoWorkload.mixed(TENANTS, 40, "run1");
        for (DemoWorkload.Job job : jobs) {
            JsonNode body = JSON.readTree(job.body());
            assertThat(job.tenantId())
                    .as("the tenant whose key the job is sent with")
                    .isEqualTo(body.path("tenantId").asText());
            assertThat(body.path("messages").toString()).contains("run1");
            assertThat(body.path("tenantId").asText().equals("demo-budget-run1"))
                    .isEqualTo(job.kind() == DemoWorkload.Kind.OVER_BUDGET);
        }
        assertThat(DemoWorkload.mixed(DemoTenants.forRun("run2"), 40, "run2")
                        .get(4)
                        .body())
                .isNotEqualTo(jobs.get(4).body());
    }

    @Test
    void shouldGiveEveryJobButDuplicatesAndRepeatsAPromptOfItsOwn() throws Exception {
        java.util.Set<String> prompts = new java.util.HashSet<>();
        for (DemoWorkload.Job job : DemoWorkload.mixed(TENANTS, 200, "run1")) {
            if (job.kind() != DemoWorkload.Kind.DUPLICATE
                    && job.kind() != DemoWorkload.Kind.CACHE_REPEAT
                    && job.kind() != DemoWorkload.Kind.SEMANTIC_REPEAT) {
                assertThat(prompts.add(
                                JSON.readTree(job.body()).path("messages").toString()))
                        .isTrue();
            }
        }
    }

    @Test
    void shouldHoldEveryKindButTheFlaggedInjectionInThirtyJobs() {
        // The demo's own integration test runs 30 jobs.
        assertThat(DemoWorkload.mixed(TENANTS, 30, "run1").stream().map(DemoWorkload.Job::kind))
                .hasSize(30)
                .containsOnly(
                        DemoWorkload.Kind.NORMAL,
                        DemoWorkload.Kind.DUPLICATE,
                        DemoWorkload.Kind.CACHE_REPEAT,
                        DemoWorkload.Kind.SEMANTIC_REPEAT,
                        DemoWorkload.Kind.BATCH_ELIGIBLE,
                        DemoWorkload.Kind.OVER_BUDGET,
                        DemoWorkload.Kind.INJECTION_BLOCKED);
    }

    @Test
    void shouldJudgeEachKindByWhatItsResultShouldBe() {
        LlmResult ok = result(b -> b.status(ResultStatus.SUCCEEDED).costMicros(12));
        LlmResult hit = result(b -> b.status(ResultStatus.SUCCEEDED).cacheHit(CacheHit.EXACT));
        LlmResult dup = result(b -> b.status(ResultStatus.SUCCEEDED).duplicateOf("r-0"));
        LlmResult overBudget = LlmResult.rejected(request(), "BUDGET_EXCEEDED", "daily budget", Instant.EPOCH);
        LlmResult injection = LlmResult.rejected(request(), "INJECTION_SUSPECTED", "pattern", Instant.EPOCH);

        assertThat(DemoWorkload.Kind.NORMAL.check(ok, "llm.jobs.small.normal")).isNull();
        assertThat(DemoWorkload.Kind.NORMAL.check(overBudget, null)).contains("BUDGET_EXCEEDED");
        assertThat(DemoWorkload.Kind.NORMAL.check(hit, null)).contains("cache hit");
        LlmResult batched =
                result(b -> b.status(ResultStatus.SUCCEEDED).costMicros(6).batch(true));
        assertThat(DemoWorkload.Kind.BATCH_ELIGIBLE.check(batched, "llm.jobs.batch"))
                .isNull();
        assertThat(DemoWorkload.Kind.BATCH_ELIGIBLE.check(ok, "llm.jobs.batch")).contains("provider batch");
        assertThat(DemoWorkload.Kind.BATCH_ELIGIBLE.check(ok, "llm.jobs.small.normal"))
                .contains("batch route");
        assertThat(DemoWorkload.Kind.CACHE_REPEAT.check(hit, null)).isNull();
        assertThat(DemoWorkload.Kind.CACHE_REPEAT.check(ok, "llm.jobs.small.normal"))
                .contains("cache hit");
        assertThat(DemoWorkload.Kind.DUPLICATE.check(dup, null)).isNull();
        assertThat(DemoWorkload.Kind.DUPLICATE.check(ok, "llm.jobs.small.normal"))
                .contains("duplicate");
        assertThat(DemoWorkload.Kind.OVER_BUDGET.check(overBudget, null)).isNull();
        assertThat(DemoWorkload.Kind.OVER_BUDGET.check(ok, "llm.jobs.large.normal"))
                .isNull();
        assertThat(DemoWorkload.Kind.OVER_BUDGET.check(injection, null)).contains("INJECTION_SUSPECTED");
        assertThat(DemoWorkload.Kind.INJECTION_BLOCKED.check(injection, null)).isNull();
        assertThat(DemoWorkload.Kind.INJECTION_BLOCKED.check(ok, "llm.jobs.small.normal"))
                .contains("SUCCEEDED");
        LlmResult flagged =
                result(b -> b.status(ResultStatus.SUCCEEDED).costMicros(12).injectionFlagged(true));
        assertThat(DemoWorkload.Kind.INJECTION_FLAGGED.check(flagged, "llm.jobs.small.normal"))
                .isNull();
        assertThat(DemoWorkload.Kind.INJECTION_FLAGGED.check(ok, "llm.jobs.small.normal"))
                .contains("injectionFlagged");
        assertThat(DemoWorkload.Kind.NORMAL.check(flagged, "llm.jobs.small.normal"))
                .contains("flagged");
    }

    private static LlmRequest request() {
        return LlmRequest.of("r-1", "demo", "hello", Instant.EPOCH);
    }

    private static LlmResult result(Function<LlmResult.Builder, LlmResult.Builder> how) {
        return how.apply(LlmResult.forRequest(request()))
                .completedAt(Instant.EPOCH)
                .build();
    }
}
