package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.request;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.DeadLetter;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingTest {
    private final RouterHarness h = new RouterHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static TenantConfig withTier(TenantConfig t, Tier defaultTier, List<Tier> allowed, List<String> models) {
        return new TenantConfig(
                t.tenantId(),
                t.plan(),
                t.limits(),
                t.budgetPolicy(),
                allowed,
                models,
                defaultTier,
                t.webhooks(),
                t.guardrails(),
                t.cache(),
                t.experiments(),
                t.batchThresholdSeconds(),
                t.fairShareWeight(),
                t.updatedAt());
    }

    @Test
    void shouldRouteToTheTenantsDefaultTierKeyedByRequestIdWithEstimates() {
        h.tenant(tenant("acme"));
        h.send(request("r-1", "acme", "Summarise the quarterly report."));

        List<LlmJob> jobs = h.jobsOn(h.topics.job(Tier.MEDIUM, Priority.NORMAL));
        assertThat(jobs).singleElement().satisfies(job -> {
            assertThat(job.requestId()).isEqualTo("r-1");
            assertThat(job.modelChain()).isEqualTo(h.catalogue.chain(Tier.MEDIUM));
            assertThat(job.estimatedInputTokens()).isGreaterThan(6);
            assertThat(job.estimatedCostMicros()).isPositive();
            assertThat(job.routedAt()).isEqualTo(RouterHarness.T0);
            assertThat(job.routeReason()).contains("source=tenant-default");
        });
        List<JobStatus> events = h.events();
        // QUEUED alone: it implies ACCEPTED, and one event per routed job is all the router writes.
        assertThat(events).extracting(JobStatus::state).containsExactly(JobState.QUEUED);
        assertThat(events.getFirst().detail()).isEqualTo("llm.jobs.medium.normal");
        assertThat(events.getFirst().updatedAt()).isEqualTo(RouterHarness.T0);
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldRouteToTheTopicOfTheRequestedTierAndPriority() {
        h.tenant(tenant("acme"));
        h.send(build("r-2", "acme").tier(Tier.SMALL).priority(Priority.HIGH).done());

        assertThat(h.jobsOn(h.topics.job(Tier.SMALL, Priority.HIGH)))
                .extracting(LlmJob::requestId)
                .containsExactly("r-2");
    }

    @Test
    void shouldPutAnExplicitModelFirstAndKeepOnlyTheTenantsModelsInTheChain() {
        h.tenant(withTier(tenant("acme"), Tier.MEDIUM, List.of(), List.of("gpt-4o", "gpt-4.1-mini")));
        h.send(build("r-3", "acme").model("gpt-4o").tier(Tier.MEDIUM).done());

        assertThat(h.jobs())
                .singleElement()
                .satisfies(job -> assertThat(job.modelChain()).containsExactly("gpt-4o", "gpt-4.1-mini"));
    }

    @Test
    void shouldRouteAFarDeadlineToTheBatchTopicWhenTheProviderHasABatchApi() {
        h.tenant(tenant("acme"));
        h.send(build("r-4", "acme")
                .deadline(RouterHarness.T0.plus(Duration.ofHours(6)))
                .done());
        h.send(build("r-5", "acme")
                .deadline(RouterHarness.T0.plus(Duration.ofMinutes(10)))
                .done());

        assertThat(h.jobsOn(h.topics.jobsBatch())).singleElement().satisfies(job -> {
            assertThat(job.requestId()).isEqualTo("r-4");
            assertThat(job.batchEligible()).isTrue();
        });
        assertThat(h.jobsOn(h.topics.job(Tier.MEDIUM, Priority.NORMAL)))
                .extracting(LlmJob::requestId)
                .containsExactly("r-5");
    }

    @Test
    void shouldScoreAutoRequestsIntoATier() {
        h.tenant(tenant("acme"));
        h.send(build("easy", "acme")
                .tier(Tier.AUTO)
                .prompt("Say hi.")
                .maxOutputTokens(50)
                .done());
        h.send(build("hard", "acme")
                .tier(Tier.AUTO)
                .maxOutputTokens(9000)
                .prompt("Analyse and compare the trade-offs of these designs step by step:\n```\nclass A {}\n```")
                .done());

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs)
                .filteredOn(j -> j.requestId().equals("easy"))
                .singleElement()
                .satisfies(j -> assertThat(j.tier()).isEqualTo(Tier.SMALL));
        assertThat(jobs)
                .filteredOn(j -> j.requestId().equals("hard"))
                .singleElement()
                .satisfies(j -> {
                    assertThat(j.tier()).isEqualTo(Tier.LARGE);
                    assertThat(j.routeReason()).contains("source=auto");
                });
    }

    @Test
    void shouldMoveAnAutoTierTheTenantMayNotUseToTheNearestAllowedOne() {
        h.tenant(withTier(tenant("acme"), Tier.SMALL, List.of(Tier.SMALL, Tier.MEDIUM), List.of()));
        h.send(build("hard", "acme")
                .tier(Tier.AUTO)
                .maxOutputTokens(9000)
                .prompt("Analyse, compare and evaluate step by step:\n```\nx\n```")
                .done());

        assertThat(h.jobs()).singleElement().satisfies(j -> assertThat(j.tier()).isEqualTo(Tier.MEDIUM));
    }

    @Test
    void shouldAssignTheSameVariantToTheSameUserEveryTime() {
        TenantConfig t = tenant("acme");
        h.tenant(new TenantConfig(
                "acme",
                null,
                null,
                null,
                null,
                null,
                null,
                t.webhooks(),
                null,
                null,
                List.of(new TenantConfig.Experiment(
                        "prompt-v2",
                        List.of(
                                new TenantConfig.Variant("control", 1, null, null),
                                new TenantConfig.Variant("large", 1, Tier.LARGE, null)))),
                3600,
                1,
                RouterHarness.T0));
        for (int i = 0; i < 6; i++) {
            h.send(build("u1-" + i, "acme").userId("user-1").done());
            h.send(build("u2-" + i, "acme").userId("user-2").done());
        }

        List<LlmJob> jobs = h.jobs();
        String user1 = Experiments.assign(tenantWithExperiment(), "user-1")
                .getFirst()
                .variant()
                .name();
        assertThat(jobs)
                .filteredOn(j -> j.request().userId().equals("user-1"))
                .extracting(LlmJob::variant)
                .hasSize(6)
                .containsOnly(user1);
        assertThat(jobs).extracting(LlmJob::variant).doesNotContainNull();
        assertThat(jobs)
                .filteredOn(j -> "large".equals(j.variant()))
                .allSatisfy(j -> assertThat(j.tier()).isEqualTo(Tier.LARGE));
    }

    @Test
    void shouldApplyEveryExperimentNoteEachInTheMetadataAndLetTheFirstThatSetsAThingDecideIt() {
        TenantConfig t = tenant("acme");
        // Both variants of "models" set a model; "prompts" sets a system prompt and, in one arm, a
        // model that "models" (the earlier) overrides.
        h.tenant(new TenantConfig(
                "acme",
                null,
                null,
                null,
                null,
                null,
                null,
                t.webhooks(),
                null,
                null,
                List.of(
                        new TenantConfig.Experiment(
                                "models",
                                List.of(
                                        new TenantConfig.Variant("nano", 1, null, "gpt-4.1-nano"),
                                        new TenantConfig.Variant("mini", 1, null, "gpt-4.1-mini"))),
                        new TenantConfig.Experiment(
                                "prompts",
                                List.of(
                                        new TenantConfig.Variant("v1", 1, null, null, "v1", null),
                                        new TenantConfig.Variant(
                                                "v2", 1, null, "claude-opus-4-5", "v2", "Answer in one word.")))),
                3600,
                1,
                RouterHarness.T0));
        for (int i = 0; i < 40; i++) {
            h.send(build("r-" + i, "acme")
                    .userId("user-" + i)
                    .messages(Message.system("Be thorough."), Message.user("Which team handles refunds?"))
                    .done());
        }

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).hasSize(40);
        for (LlmJob j : jobs) {
            String models = j.request().metadata().get("sluice.experiment.models");
            String prompts = j.request().metadata().get("sluice.experiment.prompts");
            assertThat(models).isIn("nano", "mini");
            assertThat(prompts).isIn("v1", "v2");
            assertThat(j.variant())
                    .as("the job's variant is its first experiment's")
                    .isEqualTo(models);
            assertThat(j.modelChain().getFirst()).isEqualTo(models.equals("nano") ? "gpt-4.1-nano" : "gpt-4.1-mini");
            assertThat(j.request().messages())
                    .containsExactly(
                            prompts.equals("v2")
                                    ? new Message(dev.sluice.model.Role.SYSTEM, "Answer in one word.", true)
                                    : Message.system("Be thorough."),
                            Message.user("Which team handles refunds?"));
            assertThat(j.routeReason()).contains("variant=models/" + models, "variant=prompts/" + prompts);
        }
        assertThat(jobs)
                .extracting(j -> j.request().metadata().get("sluice.experiment.prompts"))
                .contains("v1", "v2");
        assertThat(jobs)
                .extracting(j -> j.request().metadata().get("sluice.experiment.models"))
                .contains("nano", "mini");
    }

    @Test
    void shouldSendAnAutoRequestOfAPolicyCategoryToThePolicysModelAndLeaveTheRestToTheHeuristic() {
        TenantConfig.RoutingPolicy policy = new TenantConfig.RoutingPolicy(
                0.9,
                Map.of(
                        "analysis",
                        "gpt-4.1-mini",
                        "classification",
                        "gpt-4.1-nano",
                        "retired",
                        "gpt-3",
                        "forbidden",
                        "claude-opus-4-5"),
                "eval s run r");
        h.tenant(withTier(
                        tenant("acme"),
                        Tier.AUTO,
                        List.of(),
                        List.of("gpt-4.1-nano", "gpt-4.1-mini", "gpt-4.1", "claude-haiku-4-5", "claude-sonnet-4-5"))
                .withRoutingPolicy(policy, RouterHarness.T0));
        String hard = "Analyse, compare and evaluate step by step the trade-offs:\n```\nx\n```";
        h.send(build("policy", "acme")
                .maxOutputTokens(9000)
                .prompt(hard)
                .metadata(Map.of("sluice.category", "analysis"))
                .done());
        h.send(build("auto-tier", "acme")
                .tier(Tier.AUTO)
                .prompt("Is this about billing?")
                .metadata(Map.of("sluice.category", "classification"))
                .done());
        h.send(build("no-category", "acme").maxOutputTokens(9000).prompt(hard).done());
        h.send(build("other-category", "acme")
                .maxOutputTokens(9000)
                .prompt(hard)
                .metadata(Map.of("sluice.category", "poetry"))
                .done());
        h.send(build("not-in-catalogue", "acme")
                .maxOutputTokens(9000)
                .prompt(hard)
                .metadata(Map.of("sluice.category", "retired"))
                .done());
        h.send(build("not-allowed", "acme")
                .maxOutputTokens(9000)
                .prompt(hard)
                .metadata(Map.of("sluice.category", "forbidden"))
                .done());
        h.send(build("named-model", "acme")
                .model("gpt-4.1")
                .prompt("Is this about billing?")
                .metadata(Map.of("sluice.category", "classification"))
                .done());
        h.send(build("named-tier", "acme")
                .tier(Tier.LARGE)
                .prompt("Is this about billing?")
                .metadata(Map.of("sluice.category", "classification"))
                .done());

        Map<String, LlmJob> jobs = new java.util.HashMap<>();
        h.jobs().forEach(j -> jobs.put(j.requestId(), j));
        assertThat(jobs.get("policy").modelChain()).containsExactly("gpt-4.1-mini", "claude-sonnet-4-5");
        assertThat(jobs.get("policy").tier()).isEqualTo(Tier.MEDIUM);
        assertThat(jobs.get("policy").routeReason()).contains("source=policy category=analysis");
        assertThat(jobs.get("auto-tier").modelChain().getFirst()).isEqualTo("gpt-4.1-nano");
        assertThat(jobs.get("auto-tier").tier()).isEqualTo(Tier.SMALL);
        for (String heuristic : List.of("no-category", "other-category", "not-in-catalogue", "not-allowed")) {
            assertThat(jobs.get(heuristic).tier()).as(heuristic).isEqualTo(Tier.LARGE);
            assertThat(jobs.get(heuristic).modelChain().getFirst())
                    .as(heuristic)
                    .isEqualTo("gpt-4.1");
            assertThat(jobs.get(heuristic).routeReason()).as(heuristic).doesNotContain("policy");
        }
        assertThat(jobs.get("named-model").modelChain().getFirst()).isEqualTo("gpt-4.1");
        assertThat(jobs.get("named-tier").tier()).isEqualTo(Tier.LARGE);
    }

    private static TenantConfig tenantWithExperiment() {
        return new TenantConfig(
                "acme",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(new TenantConfig.Experiment(
                        "prompt-v2",
                        List.of(
                                new TenantConfig.Variant("control", 1, null, null),
                                new TenantConfig.Variant("large", 1, Tier.LARGE, null)))),
                3600,
                1,
                RouterHarness.T0);
    }

    @Test
    void shouldReKeyARequestKeyedOtherwiseThroughTheRepartitionTopic() {
        h.tenant(tenant("acme"));
        h.sendKeyed("some-other-key", request("r-6", "acme", "hello"));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-6");
        assertThat(h.driver.producedTopicNames()).contains("router-test-requests-by-tenant-repartition");
    }

    @Test
    void shouldExpireAJobWhoseDeadlinePassedBeforeRouting() {
        h.tenant(tenant("acme"));
        h.send(build("r-7", "acme")
                .deadline(RouterHarness.T0.minusMillis(1))
                .createdAt(RouterHarness.T0.minusSeconds(10))
                .done());

        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(ResultStatus.EXPIRED);
            assertThat(r.error().code()).isEqualTo(Reasons.DEADLINE_PASSED);
        });
        assertThat(h.jobs()).isEmpty();
    }

    @Test
    void shouldDeadLetterUndecodableBytesAndCarryOn() {
        h.tenant(tenant("acme"));
        byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
        h.sendRaw("acme", garbage);
        h.send(request("r-8", "acme", "still flowing"));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-8");
        DeadLetter letter = h.driver
                .createOutputTopic(
                        h.topics.deadLetters(),
                        new StringDeserializer(),
                        h.serdes.deadLetters().deserializer())
                .readValue();
        assertThat(letter.originalValue()).isEqualTo(garbage);
        assertThat(letter.sourceTopic()).isEqualTo(h.topics.requests());
        assertThat(letter.stage()).isEqualTo("deserialize");
        assertThat(letter.errorMessage()).contains("magic byte");
    }
}
