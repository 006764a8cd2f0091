package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.request;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.DeadLetter;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.runtime.requests.RequestLimits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Input no check foresaw must end as a REJECTED result or a dead letter, and never stop the traffic behind it. */
class BadInputTest {
    private RouterHarness h = new RouterHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static LlmRequest withMetadata(String id, Map<String, String> metadata) {
        LlmRequest r = request(id, "acme", "Classify: hello");
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                r.idempotencyKey(),
                r.userId(),
                r.priority(),
                null,
                null,
                null,
                r.messages(),
                64,
                null,
                null,
                null,
                metadata,
                r.createdAt());
    }

    private List<DeadLetter> deadLetters() {
        return h.driver
                .createOutputTopic(
                        h.topics.deadLetters(),
                        new StringDeserializer(),
                        h.serdes.deadLetters().deserializer())
                .readValuesToList();
    }

    @Test
    void shouldDeadLetterATombstoneCleanlyAndRouteTheNextRequest() {
        h.tenant(tenant("acme"));
        h.sendRaw("acme", null);
        h.send(request("r-after", "acme", "still flowing"));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-after");
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.stage()).isEqualTo("screen");
            assertThat(letter.errorClass()).endsWith("UnanswerableRecord");
            assertThat(letter.errorMessage()).contains("tombstone");
            assertThat(letter.originalValue()).isNull();
        });
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldRejectMetadataOfAMegabyteWithAResultThatCarriesNoneOfIt() {
        h.tenant(tenant("acme"));
        Map<String, String> huge = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            huge.put("k" + i, "v".repeat(30_000));
        }
        h.send(withMetadata("r-big", huge));
        h.send(request("r-after", "acme", "still flowing"));

        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("r-big");
            assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(r.error().code()).isEqualTo(RequestLimits.METADATA_TOO_LARGE);
            assertThat(r.error().message()).contains("1200").contains("16384");
            assertThat(r.metadata()).isEmpty();
        });
        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-after");
    }

    @Test
    void shouldRejectTooManyEntriesTooManyMessagesALongKeyAndARequestTooLargeInAll() {
        h.tenant(tenant("acme"));
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("k" + i, "v");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 1_001; i++) {
            messages.add(Message.user("m" + i));
        }
        List<Message> long600k = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            long600k.add(Message.user("x".repeat(9_000)));
        }
        h.send(withMetadata("r-entries", many));
        h.send(build("r-messages", "acme")
                .messages(messages.toArray(Message[]::new))
                .done());
        h.send(build("r-key", "acme").idempotencyKey("k".repeat(300_000)).done());
        h.send(build("r-total", "acme")
                .messages(long600k.toArray(Message[]::new))
                .done());

        assertThat(h.completions())
                .extracting(LlmResult::requestId, r -> r.error().code(), LlmResult::idempotencyKey)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("r-entries", RequestLimits.METADATA_TOO_LARGE, "r-entries"),
                        org.assertj.core.groups.Tuple.tuple(
                                "r-messages", RequestLimits.TOO_MANY_MESSAGES, "r-messages"),
                        org.assertj.core.groups.Tuple.tuple("r-key", RequestLimits.FIELD_TOO_LONG, "r-key"),
                        org.assertj.core.groups.Tuple.tuple("r-total", RequestLimits.REQUEST_TOO_LARGE, "r-total"));
        assertThat(h.jobs()).isEmpty();
    }

    @Test
    void shouldDeadLetterARequestWhoseTenantIsTooLongToAnswerAndCarryOn() {
        h.tenant(tenant("acme"));
        h.sendKeyed("x", request("r-long-tenant", "t".repeat(2_000), "hello"));
        h.send(request("r-after", "acme", "still flowing"));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-after");
        assertThat(h.completions()).isEmpty();
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.stage()).isEqualTo("screen");
            assertThat(letter.errorMessage()).contains("2000 characters");
        });
    }

    @Test
    void shouldReplaceAJobTooLargeForItsTopicByTheRequestsRejectedResultAndDeadLetterTheRequest() {
        h.close();
        h = RouterHarness.withRecordLimit(64 * 1024);
        h.tenant(tenant("acme"));
        h.send(build("r-fat", "acme")
                .messages(
                        Message.user("x".repeat(9_000)),
                        Message.user("y".repeat(9_000)),
                        Message.user("z".repeat(9_000)),
                        Message.user("w".repeat(9_000)),
                        Message.user("v".repeat(9_000)),
                        Message.user("u".repeat(9_000)),
                        Message.user("t".repeat(9_000)),
                        Message.user("s".repeat(9_000)))
                .priority(Priority.HIGH)
                .done());
        h.send(request("r-after", "acme", "still flowing"));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-after");
        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("r-fat");
            assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(r.error().code()).isEqualTo(RequestLimits.REQUEST_TOO_LARGE);
            assertThat(r.error().message()).contains("llm.jobs.").contains("65536");
        });
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.stage()).startsWith("produce llm.jobs.");
            assertThat(letter.errorClass()).endsWith("RecordTooLargeForTopic");
            assertThat(letter.sourceTopic()).isEqualTo(h.topics.requests());
            assertThat(letter.originalValueSize()).isGreaterThan(72_000);
            assertThat(letter.originalValueSha256()).hasSize(64);
        });
    }

    @Test
    void shouldRouteWhatATenantsOwnTopicCarriesAndRejectARequestNamingAnotherTenantAsTheTopicsTenant() {
        h.tenant(tenant("acme")).tenant(tenant("globex"));
        h.sendTo("llm.requests.acme", "acme", request("own", "acme", "hello"));
        h.sendTo("llm.requests.acme", "anything", request("own-other-key", "acme", "hello again"));
        h.sendTo(
                "llm.requests.acme",
                "globex",
                build("posing", "globex")
                        .webhook("https://hooks.example.com/globex")
                        .done());

        assertThat(h.jobs())
                .extracting(LlmJob::requestId, j -> j.request().tenantId())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("own", "acme"),
                        org.assertj.core.groups.Tuple.tuple("own-other-key", "acme"));
        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("posing");
            assertThat(r.tenantId()).as("answered to the topic's tenant").isEqualTo("acme");
            assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(r.error().code()).isEqualTo(Reasons.TENANT_MISMATCH);
            assertThat(r.error().message()).contains("globex").contains("acme");
            assertThat(r.webhook())
                    .as("not globex's endpoint: acme's default gets it")
                    .isNull();
        });
    }

    @Test
    void shouldIgnoreAClaimedTenantHeaderAProducerForgedOnTheSharedTopic() {
        h.tenant(tenant("acme"));
        h.sendTo(
                "llm.requests",
                "acme",
                request("forged", "acme", "hello"),
                new org.apache.kafka.common.header.internals.RecordHeader(
                        Steps.CLAIMED_TENANT, "globex".getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("forged");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldAnswerARequestNamingAnotherTenantAsTheTopicsTenantWhateverElseIsWrongWithIt() {
        h.tenant(tenant("acme")).tenant(tenant("globex"));
        LlmRequest blankId = build(" ", "globex").done();
        Map<String, String> huge = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            huge.put("k" + i, "v".repeat(30_000));
        }
        h.sendTo("llm.requests.acme", "globex", blankId);
        h.sendTo(
                "llm.requests.acme",
                "globex",
                new LlmRequest(
                        "fat",
                        "globex",
                        null,
                        null,
                        Priority.NORMAL,
                        null,
                        null,
                        null,
                        List.of(Message.user("hello")),
                        64,
                        null,
                        null,
                        null,
                        huge,
                        RouterHarness.T0));

        assertThat(h.jobs()).isEmpty();
        assertThat(h.completions()).hasSize(2).allSatisfy(r -> {
            assertThat(r.tenantId()).isEqualTo("acme");
            assertThat(r.error().code()).isEqualTo(Reasons.TENANT_MISMATCH);
            assertThat(r.metadata()).isEmpty();
        });
    }

    @Test
    void shouldCarryOnlyTraceHeadersSoNoHeaderCanMakeARecordTooLarge() {
        h.tenant(tenant("acme"));
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        h.sendTo(
                "llm.requests",
                "acme",
                request("headed", "acme", "hello"),
                new org.apache.kafka.common.header.internals.RecordHeader(
                        "traceparent", traceparent.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new org.apache.kafka.common.header.internals.RecordHeader("bulk", new byte[2_000_000]));
        h.sendTo(
                "llm.requests",
                "acme",
                build("refused-headed", "acme").maxOutputTokens(0).done(),
                new org.apache.kafka.common.header.internals.RecordHeader("bulk", new byte[2_000_000]));

        var job = h.driver
                .createOutputTopic(
                        h.topics.job(dev.sluice.model.Tier.MEDIUM, Priority.NORMAL),
                        new StringDeserializer(),
                        h.serdes.jobs().deserializer())
                .readRecord();
        assertThat(job.value().requestId()).isEqualTo("headed");
        assertThat(job.headers().toArray())
                .extracting(org.apache.kafka.common.header.Header::key)
                .doesNotContain("bulk");
        var refusal = h.driver
                .createOutputTopic(
                        h.topics.completions(),
                        new StringDeserializer(),
                        h.serdes.results().deserializer())
                .readRecord();
        assertThat(refusal.value().requestId()).isEqualTo("refused-headed");
        // The router starts a trace for a request that came without one; nothing else is carried.
        assertThat(refusal.headers().toArray())
                .extracting(org.apache.kafka.common.header.Header::key)
                .containsExactly("traceparent");
    }
}
