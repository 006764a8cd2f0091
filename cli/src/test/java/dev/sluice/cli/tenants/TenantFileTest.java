package dev.sluice.cli.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantFileTest {
    private static final ModelCatalogue CATALOGUE = ModelCatalogue.loadDefault();
    private static final String FULL = """
            tenantId: acme
            plan: enterprise
            limits:
              requestsPerMinute: 600
              dailyBudgetUsd: "50.25"
              monthlyBudgetMicros: 1000000000
              maxInputTokens: 8000
            budgetPolicy: downgrade
            allowedTiers: [SMALL, MEDIUM]
            allowedModels: [gpt-4.1-mini, gpt-4.1-nano]
            defaultTier: SMALL
            webhooks:
              endpoints: [https://hooks.acme.example/sluice]
              signingSecretRefs: [file:/run/secrets/acme.whsec, env:ACME_OLD_SECRET]
            guardrails: {injection: BLOCK, redactPii: true}
            cache: {enabled: true, includeNonZeroTemperature: false, ttlSeconds: 600}
            experiments:
              - name: prompt-v2
                variants:
                  - {name: control, weight: 3}
                  - {name: treatment, weight: 1, tier: MEDIUM}
            batchThresholdSeconds: 7200
            fairShareWeight: 2
            """;

    private static TenantConfig parse(String yaml) throws Exception {
        return TenantFile.parse(
                new ObjectMapper(new YAMLFactory()).readTree(yaml),
                "test.yaml",
                CATALOGUE,
                Instant.parse("2026-11-22T12:00:00Z"));
    }

    @Test
    void shouldReadEveryFieldWithBudgetsAsExactMicroDollars() throws Exception {
        TenantConfig t = parse(FULL);
        assertThat(t.tenantId()).isEqualTo("acme");
        assertThat(t.limits().dailyBudgetMicros()).isEqualTo(50_250_000L);
        assertThat(t.limits().monthlyBudgetMicros()).isEqualTo(1_000_000_000L);
        assertThat(t.budgetPolicy()).isEqualTo(BudgetPolicy.DOWNGRADE);
        assertThat(t.allowedTiers()).containsExactly(Tier.SMALL, Tier.MEDIUM);
        assertThat(t.guardrails().injection()).isEqualTo(InjectionPolicy.BLOCK);
        assertThat(t.webhooks().signingSecretRefs()).hasSize(2);
        assertThat(t.experiments().getFirst().variants().get(1).tier()).isEqualTo(Tier.MEDIUM);
        assertThat(t.cache().ttlSeconds()).isEqualTo(600);
        assertThat(t.updatedAt()).isEqualTo(Instant.parse("2026-11-22T12:00:00Z"));
    }

    @Test
    void shouldRoundTripThroughTheShowFormat() throws Exception {
        TenantConfig t = parse(FULL);
        assertThat(parse(TenantFile.toYaml(t))).isEqualTo(t);
    }

    @Test
    void shouldReportEveryProblemAtOnceWithItsPlaceInTheFile() {
        String bad = """
                tenantId: "acme corp"
                colour: blue
                limits: {dailyBudgetUsd: "1.0000001", maxInputTokens: -5}
                allowedTiers: [HUGE, AUTO]
                allowedModels: [gpt-imaginary]
                webhooks: {endpoints: ["ftp://x"], signingSecretRefs: ["whsec_plain"]}
                guardrails: {injection: SOMETIMES}
                experiments: [{name: e, variants: []}]
                """;
        assertThatThrownBy(() -> parse(bad)).isInstanceOfSatisfying(TenantFile.Invalid.class, e -> {
            assertThat(e.problems())
                    .anyMatch(p -> p.contains("tenantId 'acme corp'"))
                    .anyMatch(p -> p.contains("colour is not a known field"))
                    .anyMatch(p -> p.contains("dailyBudgetUsd '1.0000001'"))
                    .anyMatch(p -> p.contains("maxInputTokens = -5 is out of range"))
                    .anyMatch(p -> p.contains("'HUGE' is not one of"))
                    .anyMatch(p -> p.contains("AUTO is not a tier"))
                    .anyMatch(p -> p.contains("gpt-imaginary is not in the model catalogue"))
                    .anyMatch(p -> p.contains("'ftp://x' is not an absolute http(s) URL"))
                    .anyMatch(p -> p.contains("starts with file: or env:"))
                    .anyMatch(p -> p.contains("injection 'SOMETIMES'"))
                    .anyMatch(p -> p.contains("variants must be a non-empty list"));
            assertThat(e.getMessage()).startsWith("test.yaml: ").doesNotContain("whsec_plain");
        });
    }

    @Test
    void shouldReadARoutingPolicyAndRefuseModelsTheTenantCannotUse() throws Exception {
        TenantConfig t = parse("""
                tenantId: a
                allowedModels: [gpt-4.1-nano, gpt-4.1-mini]
                routingPolicy:
                  bar: 0.9
                  models: {classification: gpt-4.1-nano, analysis: gpt-4.1-mini}
                  source: eval support run r1
                """);
        assertThat(t.routingPolicy())
                .isEqualTo(new TenantConfig.RoutingPolicy(
                        0.9,
                        java.util.Map.of("classification", "gpt-4.1-nano", "analysis", "gpt-4.1-mini"),
                        "eval support run r1"));
        assertThat(parse(TenantFile.toYaml(t))).isEqualTo(t);
        assertThat(parse("tenantId: a").routingPolicy()).isNull();

        assertThatThrownBy(() -> parse("""
                tenantId: a
                allowedModels: [gpt-4.1-nano]
                routingPolicy: {bar: 1.5, models: {x: gpt-9, y: gpt-4.1, "bad cat": gpt-4.1-nano}, why: no}
                """))
                .isInstanceOfSatisfying(
                        TenantFile.Invalid.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "routingPolicy.why is not a known field (known: bar, models, source)",
                                        "routingPolicy.bar must be a pass rate from 0 to 1",
                                        "routingPolicy.models: category 'bad cat' must be 1-100 letters, digits, '.', '_' or '-'",
                                        "routingPolicy.models.x: gpt-9 is not in the model catalogue",
                                        "routingPolicy.models.y: gpt-4.1 is not in allowedModels"));
    }

    @Test
    void shouldReadPromptVariantsAndRefuseTwoExperimentsThatSetOneThing() throws Exception {
        TenantConfig t = parse("""
                tenantId: a
                experiments:
                  - name: models
                    variants: [{name: nano, model: gpt-4.1-nano}, {name: mini, model: gpt-4.1-mini}]
                  - name: prompts
                    variants:
                      - {name: v1, promptVersion: v1}
                      - {name: v2, promptVersion: v2, systemPrompt: "Answer in one word."}
                """);
        assertThat(t.experiments().get(1).variants().get(1))
                .isEqualTo(new TenantConfig.Variant("v2", 1, null, null, "v2", "Answer in one word."));
        assertThat(parse(TenantFile.toYaml(t))).isEqualTo(t);

        assertThatThrownBy(() -> parse("""
                tenantId: a
                experiments:
                  - {name: one, variants: [{name: x, model: gpt-4.1-nano}, {name: y, tier: SMALL}]}
                  - {name: two, variants: [{name: z, model: gpt-4.1}]}
                  - {name: two, variants: [{name: w, tier: LARGE}]}
                """))
                .isInstanceOfSatisfying(
                        TenantFile.Invalid.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "experiments one and two both set model: a user in both would get one's only; run them one"
                                                + " after the other, or as one experiment with a variant per combination",
                                        "experiments: two are named two; each needs its own name",
                                        "experiments one and two both set tier: a user in both would get one's only; run them one"
                                                + " after the other, or as one experiment with a variant per combination"));
    }

    @Test
    void shouldReadTheSemanticCacheAndRefuseAThresholdThatWouldLetMostRequestsThrough() throws Exception {
        TenantConfig t = parse("tenantId: a\ncache: {semantic: true, semanticThreshold: 0.8}");
        assertThat(t.cache().semantic()).isTrue();
        assertThat(t.cache().semanticThreshold()).isEqualTo(0.8);
        assertThat(parse("tenantId: a").cache().semantic())
                .as("off unless asked for")
                .isFalse();
        assertThat(parse(TenantFile.toYaml(t))).isEqualTo(t);

        assertThatThrownBy(() -> parse("tenantId: a\ncache: {semantic: true, semanticThreshold: 0.4}"))
                .hasMessageContaining("cache.semanticThreshold '0.4' must be a number from 0.6 to 1.0");
        assertThatThrownBy(() -> parse("tenantId: a\ncache: {enabled: false, semantic: true}"))
                .hasMessageContaining("cache.semantic needs cache.enabled");
    }

    @Test
    void shouldReadWhereTheSemanticCachesVectorsComeFromAndRefuseAnEmbedderTheRouterDoesNotHave() throws Exception {
        assertThat(parse("tenantId: a\ncache: {semantic: true}").cache().semanticEmbedder())
                .as("the router's own model by default")
                .isEqualTo(TenantConfig.CachePolicy.IN_PROCESS);
        TenantConfig t = parse("tenantId: a\ncache: {semantic: true, semanticEmbedder: openai}");
        assertThat(t.cache().semanticEmbedder()).isEqualTo(TenantConfig.CachePolicy.OPENAI);
        assertThat(parse(TenantFile.toYaml(t))).isEqualTo(t);

        assertThatThrownBy(() -> parse("tenantId: a\ncache: {semantic: true, semanticEmbedder: cohere}"))
                .hasMessageContaining("cache.semanticEmbedder 'cohere' must be in-process");
    }

    @Test
    void shouldRequireASigningSecretForWebhookEndpointsAndATenantId() {
        assertThatThrownBy(() -> parse("tenantId: a\nwebhooks: {endpoints: [\"https://h.example/x\"]}"))
                .hasMessageContaining("need at least one signingSecretRefs");
        assertThatThrownBy(() -> parse("plan: x")).hasMessageContaining("tenantId is required");
        assertThatThrownBy(() -> parse("limits: {dailyBudgetUsd: \"1\", dailyBudgetMicros: 1}\ntenantId: a"))
                .hasMessageContaining("not both");
    }

    @Test
    void shouldKeepAPauseThroughTheShowFormatAndTellAFileThatSaysNothingOfIt(@TempDir Path dir) throws Exception {
        TenantConfig paused = parse(FULL).withPaused(true, Instant.parse("2026-11-22T12:00:00Z"));
        assertThat(TenantFile.toYaml(paused)).contains("paused: true");
        assertThat(TenantFile.toYaml(parse(FULL))).doesNotContain("paused");
        assertThat(parse(TenantFile.toYaml(paused))).isEqualTo(paused);

        Path silent = Files.writeString(dir.resolve("silent.yaml"), "tenantId: acme\n");
        Path resumes = Files.writeString(dir.resolve("resumes.yaml"), "tenantId: acme\npaused: false\n");
        assertThat(TenantFile.readStated(silent, CATALOGUE).statesPause()).isFalse();
        assertThat(TenantFile.readStated(resumes, CATALOGUE).statesPause()).isTrue();
        assertThatThrownBy(() -> parse("tenantId: acme\npaused: sometimes\n"))
                .hasMessageContaining("paused must be true or false");
    }

    @Test
    void shouldReadJsonFilesToo(@TempDir Path dir) throws Exception {
        Path file =
                Files.writeString(dir.resolve("globex.json"), "{\"tenantId\":\"globex\",\"defaultTier\":\"LARGE\"}");
        TenantConfig t = TenantFile.read(file, CATALOGUE);
        assertThat(t.tenantId()).isEqualTo("globex");
        assertThat(t.defaultTier()).isEqualTo(Tier.LARGE);
        assertThat(t.limits()).isEqualTo(TenantConfig.Limits.UNLIMITED);
    }
}
