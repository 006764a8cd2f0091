package dev.sluice.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.ApiKey;
import dev.sluice.model.Attempt;
import dev.sluice.model.BatchJob;
import dev.sluice.model.BatchState;
import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.CacheHit;
import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.model.DisabledEndpoint;
import dev.sluice.model.Feedback;
import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultError;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Role;
import dev.sluice.model.SpendPeriod;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.model.WebhookDelivery;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** Every record survives model -> Avro -> wire -> Avro -> model unchanged, every field set. */
class AvroMappingTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00.123Z");
    private final SluiceSerdes serdes = new SluiceSerdes(InMemorySchemaRegistry.forScope("map-" + UUID.randomUUID()));

    private static <T> T roundTrip(Serde<T> serde, T value) {
        String topic = value.getClass().getSimpleName();
        return serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, value));
    }

    private static LlmRequest fullRequest() {
        return new LlmRequest(
                "r-1",
                "acme",
                "idem-1",
                "user-9",
                Priority.HIGH,
                T.plusSeconds(7200),
                "gpt-4o",
                Tier.LARGE,
                List.of(new Message(Role.SYSTEM, "be brief", true), Message.user("hi")),
                300,
                0.0,
                new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, "{\"type\":\"object\"}", "answer"),
                "https://hooks.example.com/x",
                Map.of("team", "search"),
                T);
    }

    @Test
    void shouldRoundTripARequestWithEveryFieldSet() {
        assertThat(roundTrip(serdes.requests(), fullRequest())).isEqualTo(fullRequest());
    }

    @Test
    void shouldRoundTripAJob() {
        LlmJob job = new LlmJob(
                fullRequest(),
                Tier.LARGE,
                List.of("gpt-4o", "claude-opus-4-5"),
                42,
                1234L,
                "ck",
                "B",
                "tier=LARGE",
                2,
                true,
                true,
                T);
        assertThat(roundTrip(serdes.jobs(), job)).isEqualTo(job);
    }

    @Test
    void shouldRoundTripAResultWithAttemptsUsageAndError() {
        LlmResult result = new LlmResult(
                "r-1",
                "acme",
                "idem-1",
                ResultStatus.FAILED,
                new ResultError("PROVIDER_UNAVAILABLE", "all down", true),
                "partial",
                "{\"a\":1}",
                "length",
                "openai",
                "gpt-4o",
                List.of(
                        new Attempt("openai", "gpt-4o", "rate_limited", 429, 12, T),
                        new Attempt("anthropic", "claude-opus-4-5", "timeout", null, 30_000, T)),
                new Usage(1, 2, 3, 4),
                99,
                CacheHit.EXACT,
                true,
                "A",
                "https://h",
                "r-0",
                T,
                T,
                T,
                T,
                Map.of("k", "v"),
                true);
        assertThat(roundTrip(serdes.results(), result)).isEqualTo(result);
    }

    @Test
    void shouldRoundTripCostEventsStatusSpendBatchesAndDeliveries() {
        CostEvent cost = new CostEvent(
                "e-1", "r-1", "acme", "openai", "gpt-4o", new Usage(10, 20, 5, 0), 77, CostBasis.BATCH, "batch_1", T);
        JobStatus status = new JobStatus("r-1", "acme", JobState.BATCH_SUBMITTED, "detail", "batch_1", T);
        TenantSpend spend = new TenantSpend("acme", SpendPeriod.MONTH, "2026-11", 5_000_000, 12, T);
        ProviderBatch batch = new ProviderBatch(
                "b-1",
                "openai",
                "gpt-4o",
                "batch_x",
                BatchState.IN_PROGRESS,
                List.of("r-1", "r-2"),
                1,
                0,
                0,
                T,
                T,
                List.of(new BatchJob("r-1", "acme", 3, 17), new BatchJob("r-2", "acme", 0, 4)),
                1,
                "in_progress");
        WebhookDelivery delivery = new WebhookDelivery("r-1", "acme", "https://h", "{}", 2, T, 503, "down", T);
        DisabledEndpoint gone = new DisabledEndpoint("acme", "https://h", 410, "r-1", T);

        assertThat(roundTrip(serdes.costEvents(), cost)).isEqualTo(cost);
        assertThat(roundTrip(serdes.jobStatus(), status)).isEqualTo(status);
        assertThat(roundTrip(serdes.spend(), spend)).isEqualTo(spend);
        assertThat(roundTrip(serdes.batches(), batch)).isEqualTo(batch);
        assertThat(roundTrip(serdes.webhookDeliveries(), delivery)).isEqualTo(delivery);
        assertThat(roundTrip(serdes.disabledEndpoints(), gone)).isEqualTo(gone);
    }

    @Test
    void shouldRoundTripATenantWithExperimentsAndPolicies() {
        TenantConfig tenant = new TenantConfig(
                "acme",
                "enterprise",
                new TenantConfig.Limits(600, 1_000_000L, 50_000_000L, 1_000_000_000L, 8000),
                BudgetPolicy.DOWNGRADE,
                List.of(Tier.SMALL, Tier.MEDIUM),
                List.of("gpt-4.1-mini"),
                Tier.SMALL,
                new TenantConfig.Webhooks(List.of("https://h/1", "https://h/2"), List.of("file:/s1", "env:S2")),
                new TenantConfig.Guardrails(InjectionPolicy.BLOCK, true),
                new TenantConfig.CachePolicy(true, true, 600).withSemantic().withSemanticEmbedder("openai"),
                List.of(new TenantConfig.Experiment(
                        "exp",
                        List.of(
                                new TenantConfig.Variant("A", 1, null, null),
                                new TenantConfig.Variant("B", 3, Tier.LARGE, "gpt-4o"),
                                new TenantConfig.Variant("C", 1, null, null, "v2", "Answer briefly.")))),
                7200,
                3,
                T);
        assertThat(roundTrip(serdes.tenants(), tenant)).isEqualTo(tenant);
        TenantConfig paused = tenant.withPaused(true, T.plusSeconds(1));
        assertThat(roundTrip(serdes.tenants(), paused)).isEqualTo(paused);
        TenantConfig routed = paused.withRoutingPolicy(
                new TenantConfig.RoutingPolicy(
                        0.9,
                        java.util.Map.of("classification", "gpt-4.1-nano", "analysis", "gpt-4.1-mini"),
                        "eval s run r"),
                T.plusSeconds(2));
        assertThat(roundTrip(serdes.tenants(), routed)).isEqualTo(routed);
        assertThat(roundTrip(serdes.tenants(), routed).paused())
                .as("withRoutingPolicy keeps the rest")
                .isTrue();
        assertThat(roundTrip(serdes.tenants(), paused).paused()).isTrue();
    }

    @Test
    void shouldRoundTripFeedbackWithAndWithoutALabel() {
        Feedback labelled = new Feedback("f-1", "job-1", "acme", 0.75, "helpful", T);
        Feedback plain = new Feedback("f-2", "job-1", "acme", 0.0, null, T);
        assertThat(roundTrip(serdes.feedback(), labelled)).isEqualTo(labelled);
        assertThat(roundTrip(serdes.feedback(), plain)).isEqualTo(plain);
        assertThatThrownBy(() -> new Feedback("f-3", "job-1", "acme", 1.5, null, T))
                .hasMessage("score must be from 0 to 1, not 1.5");
    }

    @Test
    void shouldRoundTripADeadLetterReplay() {
        DeadLetterReplay replay = new DeadLetterReplay("llm.dead-letters", 2, 117, "llm.requests", 5, 9001, T, "ops");
        assertThat(roundTrip(serdes.deadLetterReplays(), replay)).isEqualTo(replay);
        assertThat(replay.letterId()).isEqualTo("2@117");
    }

    @Test
    void shouldRoundTripAnApiKeyValidAndRevoked() {
        ApiKey key = new ApiKey("k7q2m4x9c1ab", "acme", "ab".repeat(32), "ci deploys", T, null);
        ApiKey revoked = key.revoke(T.plusSeconds(60));
        assertThat(roundTrip(serdes.apiKeys(), key)).isEqualTo(key);
        assertThat(roundTrip(serdes.apiKeys(), revoked)).isEqualTo(revoked);
        assertThat(roundTrip(serdes.apiKeys(), revoked).revoked()).isTrue();
    }

    @Test
    void shouldRoundTripADeadLetterByteForByte() {
        DeadLetter letter = new DeadLetter(
                new byte[] {1, 2},
                new byte[] {0, -1, 7},
                List.of(new DeadLetter.Header("traceparent", new byte[] {9}), new DeadLetter.Header("x", null)),
                "llm.requests",
                3,
                42,
                "router",
                "deserialize",
                "org.x.Err",
                "bad",
                T);
        DeadLetter back = roundTrip(serdes.deadLetters(), letter);
        assertThat(back.originalValue()).containsExactly(0, -1, 7);
        assertThat(back.originalKey()).containsExactly(1, 2);
        assertThat(back.originalHeaders()).hasSize(2);
        assertThat(back.originalHeaders().getFirst().value()).containsExactly(9);
        assertThat(back.originalHeaders().get(1).value()).isNull();
        assertThat(back)
                .usingRecursiveComparison()
                .ignoringFields("originalKey", "originalValue", "originalHeaders")
                .isEqualTo(letter);
    }

    @Test
    void shouldKeepADeadLetterOfAHugeRecordSmallWithTheWholeValuesSizeAndHash() throws Exception {
        byte[] huge = new byte[3 * 1024 * 1024];
        new java.util.Random(7).nextBytes(huge);
        List<DeadLetter.Header> headers = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            headers.add(new DeadLetter.Header("h" + i, new byte[1024]));
        }
        DeadLetter letter = new DeadLetter(
                "k".repeat(5000).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                huge,
                headers,
                "llm.requests",
                3,
                42,
                "router-stream",
                "produce",
                "org.apache.kafka.common.errors." + "RecordTooLargeException",
                "x".repeat(100_000),
                T);

        byte[] serialized = serdes.deadLetters().serializer().serialize("llm.dead-letters", letter);
        DeadLetter back = roundTrip(serdes.deadLetters(), letter);

        assertThat(serialized.length).isLessThan(100 * 1024);
        assertThat(back.truncated()).isTrue();
        assertThat(back.originalValueSize()).isEqualTo(huge.length);
        assertThat(back.originalValueSha256())
                .isEqualTo(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(huge)));
        assertThat(back.originalValue())
                .hasSize(DeadLetter.MAX_VALUE_BYTES)
                .isEqualTo(java.util.Arrays.copyOf(huge, DeadLetter.MAX_VALUE_BYTES));
        assertThat(back.sourceOffset()).isEqualTo(42);
    }

    @Test
    void shouldKeepASmallDeadLetterWholeAndUntruncated() {
        DeadLetter letter = new DeadLetter(
                null,
                new byte[] {1, 2, 3},
                List.of(),
                "llm.jobs.small.normal",
                0,
                7,
                "worker-pool",
                "deserialize",
                "E",
                "bad",
                T);

        assertThat(letter.truncated()).isFalse();
        assertThat(letter.originalValueSize()).isEqualTo(3);
        assertThat(roundTrip(serdes.deadLetters(), letter).originalValueSha256())
                .isEqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81");
    }
}
