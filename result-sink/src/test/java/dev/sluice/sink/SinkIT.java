package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.devstack.webhooks.WebhookReceiver;
import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DisabledEndpoint;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.Usage;
import dev.sluice.model.WebhookDelivery;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SluiceKafka
class SinkIT {

    private static String newSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private record Setup(Topics topics, SluiceSerdes serdes, SinkConfig config) {}

    private static Setup setup(KafkaStack kafka, Path state) {
        return setup(kafka, state, Map.of());
    }

    /**
     * Three retries 20 ms apart unless {@code overrides} says otherwise. The test receivers listen
     * on loopback, which the SSRF guard refuses unless allowed: {@code webhooks.allowed.hosts} is
     * 127.0.0.1 unless overridden.
     */
    private static Setup setup(KafkaStack kafka, Path state, Map<String, String> overrides) {
        String prefix = kafka.newPrefix();
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("sink.state.dir", state.toString());
        values.put("webhooks.backoff", "20ms,20ms,20ms");
        values.put("webhooks.allowed.hosts", "127.0.0.1");
        values.putAll(overrides);
        Settings settings = new Settings(ConfigSource.of(values));
        SinkConfig config = SinkConfig.read(settings);
        settings.validate();
        return new Setup(new Topics(prefix), new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl())), config);
    }

    private static void putTenant(
            KafkaProducer<String, byte[]> producer, Setup s, String tenant, String endpoint, Path secretFile)
            throws Exception {
        putTenant(producer, s, tenant, List.of(endpoint), secretFile);
    }

    private static void putTenant(
            KafkaProducer<String, byte[]> producer, Setup s, String tenant, List<String> endpoints, Path secretFile)
            throws Exception {
        TenantConfig config = TenantConfig.basic(
                tenant, new TenantConfig.Webhooks(endpoints, List.of("file:" + secretFile)), Instant.now());
        producer.send(new ProducerRecord<>(
                        s.topics().tenants(),
                        tenant,
                        s.serdes().tenants().serializer().serialize(s.topics().tenants(), config)))
                .get();
    }

    /** Writes a worker's completion for the sink to read, keyed by its tenant as the worker does. */
    private static java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> complete(
            KafkaProducer<String, byte[]> producer, Setup s, LlmResult result) {
        return producer.send(new ProducerRecord<>(
                s.topics().completions(),
                result.tenantId(),
                s.serdes().results().serializer().serialize(s.topics().completions(), result)));
    }

    private static LlmResult succeeded(String requestId, String tenant) {
        return LlmResult.forRequest(LlmRequest.of(requestId, tenant, "q", Instant.now()))
                .status(ResultStatus.SUCCEEDED)
                .output("answer " + requestId)
                .completedAt(Instant.now())
                .build();
    }

    /** A result whose request named one of the tenant's endpoints rather than taking the first. */
    private static LlmResult succeeded(String requestId, String tenant, String webhook) {
        LlmRequest request = new LlmRequest(
                requestId,
                tenant,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(dev.sluice.model.Message.user("q")),
                10,
                null,
                null,
                webhook,
                Map.of(),
                Instant.now());
        return LlmResult.forRequest(request)
                .status(ResultStatus.SUCCEEDED)
                .output("answer " + requestId)
                .completedAt(Instant.now())
                .build();
    }

    @Test
    void shouldWriteOneResultPerRequestKeepStatusAndDeliverVerifiedWebhooks(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("acme.secret"), secret);
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            receiver.answerWith(r -> r.webhookId().equals("flaky-1")
                            && tries.computeIfAbsent(r.webhookId(), k -> new AtomicInteger())
                                            .incrementAndGet()
                                    <= 2
                    ? 503
                    : 204);
            sink.start();
            putTenant(producer, s, "acme", receiver.url(), secretFile);
            var results = s.serdes().results().serializer();
            for (int i = 0; i < 50; i++) {
                String id = i == 0 ? "flaky-1" : "req-" + i;
                byte[] value = results.serialize(s.topics().completions(), succeeded(id, "acme"));
                producer.send(new ProducerRecord<>(s.topics().completions(), "acme", value));
                if (i % 5 == 0) {
                    producer.send(new ProducerRecord<>(s.topics().completions(), "acme", value));
                }
            }
            producer.flush();

            var unique = kafka.readUntil(s.topics().results(), r -> r.size() >= 50, Duration.ofSeconds(60));
            assertThat(unique).hasSize(50);
            Set<String> ids = unique.stream()
                    .map(r -> s.serdes()
                            .results()
                            .deserializer()
                            .deserialize(s.topics().results(), r.value())
                            .requestId())
                    .collect(Collectors.toSet());
            assertThat(ids).hasSize(50).contains("flaky-1", "req-49");

            await().alias("all 50 webhooks verified and accepted")
                    .atMost(Duration.ofSeconds(60))
                    .until(receiver::distinctAccepted, n -> n == 50);
            assertThat(receiver.received())
                    .filteredOn(r -> r.webhookId().equals("flaky-1"))
                    .hasSize(3)
                    .allSatisfy(r -> assertThat(r.verified()).isTrue());

            var statuses = kafka.readUntil(s.topics().jobStatus(), r -> r.size() >= 50, Duration.ofSeconds(30));
            List<JobStatus> states = statuses.stream()
                    .map(r -> s.serdes()
                            .jobStatus()
                            .deserializer()
                            .deserialize(s.topics().jobStatus(), r.value()))
                    .toList();
            assertThat(states)
                    .hasSize(50)
                    .allSatisfy(st -> assertThat(st.state()).isEqualTo(JobState.SUCCEEDED));
            assertThat(statuses).extracting(r -> r.key()).doesNotHaveDuplicates();

            // and cost events add up to each tenant's day and month on llm.spend, on the tenant's partition
            var costs = s.serdes().costEvents().serializer();
            Instant at = Instant.parse("2026-11-22T10:00:00Z");
            for (int i = 0; i < 10; i++) {
                String tenant = i % 2 == 0 ? "acme" : "globex";
                producer.send(new ProducerRecord<>(
                        s.topics().costEvents(),
                        tenant,
                        costs.serialize(
                                s.topics().costEvents(),
                                new CostEvent(
                                        "c-" + i,
                                        "req-" + i,
                                        tenant,
                                        "openai",
                                        "gpt-4.1-mini",
                                        new Usage(100, 10, 0, 0),
                                        1_000 + i,
                                        CostBasis.SYNC,
                                        null,
                                        at))));
            }
            producer.flush();
            var spend = kafka.readUntil(
                    s.topics().spend(),
                    r -> r.stream()
                            .filter(x -> x.key().equals("acme/2026-11"))
                            .map(x -> s.serdes()
                                    .spend()
                                    .deserializer()
                                    .deserialize(s.topics().spend(), x.value())
                                    .events())
                            .anyMatch(n -> n == 5),
                    Duration.ofSeconds(60));
            Map<String, TenantSpend> latest = new HashMap<>();
            spend.forEach(r -> latest.put(
                    r.key(),
                    s.serdes().spend().deserializer().deserialize(s.topics().spend(), r.value())));
            assertThat(latest.get("acme/2026-11").spentMicros()).isEqualTo(1_000 + 1_002 + 1_004 + 1_006 + 1_008);
            assertThat(latest.get("acme/2026-11-22").events()).isEqualTo(5);
            int partitions = producer.partitionsFor(s.topics().spend()).size();
            assertThat(spend).allSatisfy(r -> {
                String tenant = r.key().substring(0, r.key().indexOf('/'));
                assertThat(r.partition())
                        .as(r.key())
                        .isEqualTo(org.apache.kafka.common.utils.Utils.toPositive(
                                        org.apache.kafka.common.utils.Utils.murmur2(
                                                tenant.getBytes(StandardCharsets.UTF_8)))
                                % partitions);
            });
        }
    }

    @Test
    void shouldTryAgainThroughTheRetryTopicsWithTheSameWebhookIdHonouringRetryAfter(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"), Map.of("webhooks.backoff", "300ms,300ms,300ms,300ms"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("later.secret"), secret);
        AtomicInteger tries = new AtomicInteger();
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            // Fails the first three tries, the first asking for 2 s; takes the fourth.
            receiver.answer(r -> switch (tries.incrementAndGet()) {
                case 1 -> new WebhookReceiver.Answer(503, Map.of("Retry-After", "2"));
                case 2, 3 -> WebhookReceiver.Answer.of(500);
                default -> WebhookReceiver.Answer.of(204);
            });
            sink.start();
            putTenant(producer, s, "later", receiver.url(), secretFile);
            complete(producer, s, succeeded("retry-1", "later")).get();

            await().alias("the fourth try accepted")
                    .atMost(Duration.ofSeconds(60))
                    .until(receiver::distinctAccepted, n -> n == 1);
            List<WebhookReceiver.Received> got = receiver.received();
            assertThat(got).hasSize(4).allSatisfy(r -> {
                assertThat(r.webhookId()).isEqualTo("retry-1");
                assertThat(r.verified()).isTrue();
            });
            assertThat(got).extracting(WebhookReceiver.Received::answeredStatus).containsExactly(503, 500, 500, 204);
            assertThat(got)
                    .extracting(WebhookReceiver.Received::body)
                    .containsOnly(got.getFirst().body());
            assertThat(Duration.between(got.get(0).at(), got.get(1).at()))
                    .as("Retry-After: 2 honoured")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            assertThat(Duration.between(got.get(1).at(), got.get(2).at()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(Duration.between(got.get(2).at(), got.get(3).at()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250));

            // each failed try put the delivery on the next level: attempt n on llm.webhooks.retry.n
            for (int level = 1; level <= 3; level++) {
                String topic = s.topics().webhookRetry(level);
                var waiting = kafka.readUntil(topic, r -> !r.isEmpty(), Duration.ofSeconds(10));
                assertThat(waiting).hasSize(1);
                WebhookDelivery d = s.serdes()
                        .webhookDeliveries()
                        .deserializer()
                        .deserialize(topic, waiting.getFirst().value());
                assertThat(d.requestId()).isEqualTo("retry-1");
                assertThat(d.attempt()).isEqualTo(level);
                assertThat(d.lastStatus()).isEqualTo(level == 1 ? 503 : 500);
            }
            assertThat(kafka.readUntil(s.topics().webhookRetry(4), r -> false, Duration.ofSeconds(1)))
                    .isEmpty();
            assertThat(kafka.readUntil(s.topics().deadLetters(), r -> false, Duration.ofSeconds(1)))
                    .isEmpty();
        }
    }

    @Test
    void shouldResumeAWaitingDeliveryAfterARestartWithoutTryingItTwice(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"), Map.of("webhooks.backoff", "4s"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("restart.secret"), secret);
        AtomicInteger tries = new AtomicInteger();
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer()) {
            receiver.answerWith(r -> tries.incrementAndGet() == 1 ? 503 : 204);
            try (SinkService first = new SinkService(s.config())) {
                first.start();
                putTenant(producer, s, "restart", receiver.url(), secretFile);
                complete(producer, s, succeeded("resume-1", "restart")).get();
                kafka.readUntil(s.topics().webhookRetry(1), r -> !r.isEmpty(), Duration.ofSeconds(60));
                await().alias("level 1 holds the delivery, waiting")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> (Integer) first.health().details().get("webhooksInFlight") > 0);
                // closed while the delivery waits out its 4 s on level 1
            }
            assertThat(receiver.received()).hasSize(1);
            try (SinkService second = new SinkService(s.config())) {
                second.start();
                await().alias("the second try, made by the new instance")
                        .atMost(Duration.ofSeconds(60))
                        .until(receiver::distinctAccepted, n -> n == 1);
                List<WebhookReceiver.Received> got = receiver.received();
                assertThat(got)
                        .extracting(WebhookReceiver.Received::answeredStatus)
                        .containsExactly(503, 204);
                assertThat(Duration.between(got.get(0).at(), got.get(1).at()))
                        .as("still waited its step")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(3900));
                // written back once on shutdown, so level 1 holds the original and its copy
                assertThat(kafka.readUntil(s.topics().webhookRetry(1), r -> r.size() >= 2, Duration.ofSeconds(10)))
                        .hasSize(2);
                assertThat(kafka.readUntil(s.topics().deadLetters(), r -> false, Duration.ofSeconds(1)))
                        .isEmpty();
            }
        }
    }

    @Test
    void shouldDisableAnEndpointThatAnswersGoneUntilTheTenantIsWrittenAgain(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("gone.secret"), secret);
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            receiver.answerWith(r -> r.webhookId().equals("gone-1") ? 410 : 204);
            sink.start();
            putTenant(producer, s, "moved", receiver.url(), secretFile);
            complete(producer, s, succeeded("gone-1", "moved")).get();
            var letters = kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(60));
            assertThat(letter(s, letters.getFirst()).errorClass()).isEqualTo("WebhookEndpointGone");
            var disabled = kafka.readUntil(s.topics().webhooksDisabled(), r -> !r.isEmpty(), Duration.ofSeconds(10));
            DisabledEndpoint off = s.serdes()
                    .disabledEndpoints()
                    .deserializer()
                    .deserialize(
                            s.topics().webhooksDisabled(), disabled.getFirst().value());
            assertThat(off.endpoint()).isEqualTo(receiver.url());
            assertThat(off.requestId()).isEqualTo("gone-1");
            assertThat(metrics(sink))
                    .contains("sluice_webhook_endpoints_disabled_total{service=\"result-sink\",tenant=\"moved\"} 1.0");

            // the next result for that endpoint is not sent; it is a dead letter saying why
            complete(producer, s, succeeded("gone-2", "moved")).get();
            letters = kafka.readUntil(s.topics().deadLetters(), r -> r.size() >= 2, Duration.ofSeconds(60));
            assertThat(letter(s, letters.get(1)).errorClass()).isEqualTo("WebhookEndpointDisabled");
            assertThat(letter(s, letters.get(1)).errorMessage()).contains("410").contains("sluice tenants put");
            assertThat(receiver.received())
                    .extracting(WebhookReceiver.Received::webhookId)
                    .containsExactly("gone-1");

            // writing the tenant again enables it
            try (WebhookReceiver probe = WebhookReceiver.start(secret, "127.0.0.1", 0)) {
                putTenant(producer, s, "moved", List.of(receiver.url(), probe.url()), secretFile);
                awaitTenantFollowed(producer, s, "moved", probe);
                complete(producer, s, succeeded("gone-3", "moved")).get();
                await().alias("gone-3 delivered to the endpoint enabled again")
                        .atMost(Duration.ofSeconds(60))
                        .until(receiver::distinctAccepted, n -> n == 1);
                assertThat(receiver.received())
                        .extracting(WebhookReceiver.Received::webhookId)
                        .containsExactly("gone-1", "gone-3");
            }
        }
    }

    /**
     * The sink follows the tenants topic in the background, so a result sent right after a tenant
     * is written may still meet the old configuration. The write being waited for added
     * {@code probe} as an endpoint: a result naming it is skipped (not registered) until the sink
     * holds that write, and delivered after. One probe result a poll, until one arrives.
     */
    private static void awaitTenantFollowed(
            KafkaProducer<String, byte[]> producer, Setup s, String tenant, WebhookReceiver probe) {
        AtomicInteger sent = new AtomicInteger();
        await().alias("the sink follows the new configuration of tenant " + tenant + ": a result to its new"
                        + " endpoint delivered")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (probe.distinctAccepted() > 0) {
                        return true;
                    }
                    complete(producer, s, succeeded("probe-" + sent.incrementAndGet(), tenant, probe.url()))
                            .get();
                    return false;
                });
    }

    @Test
    void shouldDeadLetterADeliveryWhoseEndpointNeverAnswersAfterTheSchedule(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(
                kafka,
                dir.resolve("state"),
                Map.of("webhooks.timeout", "300ms", "webhooks.backoff", "100ms,200ms,300ms"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("down.secret"), secret);
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            receiver.answer(r -> {
                try {
                    Thread.sleep(2_000); // far past the sender's 300 ms timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return WebhookReceiver.Answer.of(204);
            });
            sink.start();
            putTenant(producer, s, "down", receiver.url(), secretFile);
            complete(producer, s, succeeded("never-1", "down")).get();

            var letters = kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(60));
            DeadLetter letter = letter(s, letters.getFirst());
            assertThat(letter.stage()).isEqualTo("deliver");
            assertThat(letter.errorClass()).isEqualTo("WebhookDeliveryFailed");
            assertThat(letter.sourceTopic()).isEqualTo(s.topics().webhookRetry(3));
            assertThat(letter.errorMessage())
                    .contains("4 tries")
                    .contains("100ms, 200ms, 300ms")
                    .contains("HttpTimeoutException");
            await().alias("all 4 tries reached the slow receiver")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.received().size() == 4);
            assertThat(receiver.received())
                    .extracting(WebhookReceiver.Received::webhookId)
                    .containsOnly("never-1");
            assertThat(sink.health().up()).isTrue();
        }
    }

    private static String metrics(SinkService sink) throws Exception {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + sink.opsPort() + "/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static DeadLetter letter(Setup s, org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> r) {
        return s.serdes().deadLetters().deserializer().deserialize(s.topics().deadLetters(), r.value());
    }

    @Test
    void shouldNeverCallAnEndpointOnAPrivateAddressThatIsNotAllowListed(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"), Map.of("webhooks.allowed.hosts", ""));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("inside.secret"), secret);
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            sink.start();
            putTenant(producer, s, "inside", receiver.url(), secretFile);
            complete(producer, s, succeeded("ssrf-1", "inside")).get();

            var letters = kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(60));
            DeadLetter letter = s.serdes()
                    .deadLetters()
                    .deserializer()
                    .deserialize(s.topics().deadLetters(), letters.getFirst().value());
            assertThat(letter.stage()).isEqualTo("deliver");
            assertThat(letter.errorClass()).isEqualTo("WebhookEndpointRefused");
            assertThat(letter.errorMessage())
                    .contains("127.0.0.1")
                    .contains("loopback")
                    .contains("webhooks.allowed.hosts");
            assertThat(receiver.received()).as("the receiver was never called").isEmpty();
            assertThat(sink.health().up()).isTrue();
        }
    }

    @Test
    void shouldNeverCallAUrlTheTenantHasNotRegisteredEvenAnotherTenantsEndpoint(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"));
        String acmeSecret = newSecret();
        String globexSecret = newSecret();
        try (WebhookReceiver acme = WebhookReceiver.start(acmeSecret, "127.0.0.1", 0);
                WebhookReceiver globex = WebhookReceiver.start(globexSecret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            sink.start();
            putTenant(producer, s, "acme", acme.url(), Files.writeString(dir.resolve("acme.secret"), acmeSecret));
            putTenant(
                    producer, s, "globex", globex.url(), Files.writeString(dir.resolve("globex.secret"), globexSecret));
            for (int i = 0; i < 27; i++) {
                // What the router answers a request naming another tenant's endpoint.
                LlmRequest aimed = new LlmRequest(
                        "aimed-" + i,
                        "acme",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(dev.sluice.model.Message.user("q")),
                        10,
                        null,
                        null,
                        globex.url(),
                        Map.of(),
                        Instant.now());
                LlmResult rejected = LlmResult.rejected(aimed, "WEBHOOK_NOT_ALLOWED", "not acme's", Instant.now());
                complete(producer, s, rejected);
            }
            for (int i = 0; i < 3; i++) {
                complete(producer, s, succeeded("own-" + i, "acme"));
            }
            complete(producer, s, succeeded("theirs-1", "globex"));
            producer.flush();

            await().alias("acme's own 3 and globex's 1 delivered")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> acme.distinctAccepted() == 3 && globex.distinctAccepted() == 1);
            assertThat(kafka.readUntil(s.topics().results(), r -> r.size() >= 31, Duration.ofSeconds(30)))
                    .hasSize(31);
            await().alias("the 27 refused results skipped")
                    .atMost(Duration.ofSeconds(30))
                    .until(
                            () -> metrics(sink)
                                    .contains(
                                            "sluice_webhooks_skipped_total{reason=\"endpoint_not_registered\",service=\"result-sink\"} 27.0"));
            assertThat(globex.received())
                    .extracting(WebhookReceiver.Received::webhookId)
                    .containsExactly("theirs-1");
            assertThat(acme.received())
                    .extracting(WebhookReceiver.Received::webhookId)
                    .containsExactlyInAnyOrder("own-0", "own-1", "own-2");
        }
    }

    @Test
    void shouldReplaceAResultTooLargeForItsTopicByAFailedOneAndDeliverThat(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"), Map.of("topics.max.record.bytes", "64KB"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("acme.secret"), secret);
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            sink.start();
            putTenant(producer, s, "acme", receiver.url(), secretFile);
            LlmResult huge = LlmResult.forRequest(LlmRequest.of("huge-1", "acme", "q", Instant.now()))
                    .status(ResultStatus.SUCCEEDED)
                    .output("word ".repeat(20_000))
                    .costMicros(1234)
                    .completedAt(Instant.now())
                    .build();
            complete(producer, s, huge);
            complete(producer, s, succeeded("after-1", "acme"));
            producer.flush();

            List<LlmResult> written =
                    kafka.readUntil(s.topics().results(), r -> r.size() >= 2, Duration.ofSeconds(60)).stream()
                            .map(r -> s.serdes()
                                    .results()
                                    .deserializer()
                                    .deserialize(s.topics().results(), r.value()))
                            .toList();
            assertThat(written).extracting(LlmResult::requestId).containsExactly("huge-1", "after-1");
            assertThat(written.getFirst()).satisfies(r -> {
                assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                assertThat(r.error().code()).isEqualTo("OUTPUT_TOO_LARGE");
                assertThat(r.error().message()).contains("65536");
                assertThat(r.output()).isNull();
                assertThat(r.costMicros()).isEqualTo(1234);
            });
            // The job's status says what its result says.
            var statuses = kafka.readUntil(s.topics().jobStatus(), r -> r.size() >= 2, Duration.ofSeconds(30));
            assertThat(statuses)
                    .filteredOn(r -> r.key().equals("huge-1"))
                    .singleElement()
                    .satisfies(r -> {
                        JobStatus st = s.serdes()
                                .jobStatus()
                                .deserializer()
                                .deserialize(s.topics().jobStatus(), r.value());
                        assertThat(st.state()).isEqualTo(JobState.FAILED);
                        assertThat(st.detail()).isEqualTo("OUTPUT_TOO_LARGE");
                    });
            await().alias("both webhooks delivered")
                    .atMost(Duration.ofSeconds(60))
                    .until(receiver::distinctAccepted, n -> n == 2);
            assertThat(receiver.received())
                    .filteredOn(r -> r.webhookId().equals("huge-1"))
                    .first()
                    .satisfies(r -> assertThat(r.body()).contains("OUTPUT_TOO_LARGE"));
            assertThat(sink.health().up()).isTrue();
        }
    }

    /**
     * A result under topics.max.record.bytes that the broker refuses anyway: llm.results takes less
     * (its own max.message.bytes). Under exactly_once_v2 the refusal arrives after the send and its
     * transaction is lost; the sink must still end the request with a result and go on.
     */
    @Test
    void shouldReplaceAResultTheBrokerRefusesAndGoOnWithTheNextOnes(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"));
        try (var admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(s.topics().results(), 3, (short) 1)
                            .configs(Map.of("max.message.bytes", "4096"))))
                    .all()
                    .get();
            TopicCreator.awaitWritable(admin, List.of(s.topics().results()), Duration.ofSeconds(30));
        }
        byte[] noise = new byte[12_000];
        new SecureRandom().nextBytes(noise);
        try (var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            sink.start();
            LlmResult refused = LlmResult.forRequest(LlmRequest.of("refused-1", "acme", "q", Instant.now()))
                    .status(ResultStatus.SUCCEEDED)
                    .output(Base64.getEncoder().encodeToString(noise))
                    .costMicros(4321)
                    .completedAt(Instant.now())
                    .build();
            for (LlmResult r : List.of(succeeded("before-1", "acme"), refused, succeeded("after-1", "acme"))) {
                complete(producer, s, r).get();
            }

            List<LlmResult> written =
                    kafka.readUntil(s.topics().results(), r -> r.size() >= 3, Duration.ofSeconds(90)).stream()
                            .map(r -> s.serdes()
                                    .results()
                                    .deserializer()
                                    .deserialize(s.topics().results(), r.value()))
                            .toList();
            assertThat(written).extracting(LlmResult::requestId).containsExactly("before-1", "refused-1", "after-1");
            assertThat(written.get(1)).satisfies(r -> {
                assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                assertThat(r.error().code()).isEqualTo("OUTPUT_TOO_LARGE");
                assertThat(r.error().message()).contains("RecordTooLargeException");
                assertThat(r.output()).isNull();
                assertThat(r.costMicros()).isEqualTo(4321);
            });
            assertThat(written.get(2).status()).isEqualTo(ResultStatus.SUCCEEDED);
            List<DeadLetter> letters =
                    kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(30)).stream()
                            .map(r -> s.serdes()
                                    .deadLetters()
                                    .deserializer()
                                    .deserialize(s.topics().deadLetters(), r.value()))
                            .toList();
            assertThat(letters).singleElement().satisfies(d -> {
                assertThat(d.sourceTopic()).isEqualTo(s.topics().completions());
                assertThat(d.stage()).isEqualTo("produce " + s.topics().results());
                assertThat(d.errorMessage()).contains("RecordTooLargeException");
            });
            assertThat(sink.health().up()).isTrue();
        }
    }

    @Test
    void shouldDeadLetterADeliveryItsRetryLevelRefusesAndDeliverTheNextOnes(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"));
        try (var admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(s.topics().webhookRetry(1), 3, (short) 1)
                            .configs(Map.of("max.message.bytes", "4096"))))
                    .all()
                    .get();
            TopicCreator.awaitWritable(admin, List.of(s.topics().webhookRetry(1)), Duration.ofSeconds(30));
        }
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("acme.secret"), secret);
        byte[] noise = new byte[12_000];
        new SecureRandom().nextBytes(noise);
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            receiver.answerWith(r -> r.webhookId().equals("big-1") ? 500 : 204);
            sink.start();
            putTenant(producer, s, "acme", receiver.url(), secretFile);
            LlmResult big = LlmResult.forRequest(LlmRequest.of("big-1", "acme", "q", Instant.now()))
                    .status(ResultStatus.SUCCEEDED)
                    .output(Base64.getEncoder().encodeToString(noise))
                    .completedAt(Instant.now())
                    .build();
            complete(producer, s, big).get();

            var letters = kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(60));
            assertThat(letters).singleElement().satisfies(r -> {
                DeadLetter letter = letter(s, r);
                assertThat(letter.errorClass()).isEqualTo("WebhookRetryRefused");
                assertThat(letter.sourceTopic()).isEqualTo(s.topics().results());
                assertThat(letter.errorMessage()).contains("RecordTooLargeException");
            });
            complete(producer, s, succeeded("after-1", "acme")).get();
            await().alias("the next result's webhook delivered")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> receiver.received().stream()
                            .anyMatch(r -> r.webhookId().equals("after-1")));
            assertThat(sink.health().up()).isTrue();
        }
    }

    /**
     * The first try has the payload in hand; a retry must keep it on a level topic. A result that
     * fits llm.results can still make a delivery over topics.max.record.bytes: its JSON body
     * escapes every quote of the output, and the body is kept besides the delivery's fields.
     */
    @Test
    void shouldDeadLetterADeliveryTooLargeToKeepForARetryAndDeliverTheNextOnes(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"), Map.of("topics.max.record.bytes", "64KB"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("acme.secret"), secret);
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            receiver.answerWith(r -> r.webhookId().equals("quoted-1") ? 500 : 204);
            sink.start();
            putTenant(producer, s, "acme", receiver.url(), secretFile);
            // About 40 KB as a result, about 80 KB as a JSON body (\" for each quote).
            LlmResult quoted = LlmResult.forRequest(LlmRequest.of("quoted-1", "acme", "q", Instant.now()))
                    .status(ResultStatus.SUCCEEDED)
                    .output("\"".repeat(40_000))
                    .completedAt(Instant.now())
                    .build();
            complete(producer, s, quoted);
            complete(producer, s, succeeded("after-1", "acme"));
            producer.flush();

            var letters = kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(60));
            assertThat(letters).singleElement().satisfies(r -> {
                DeadLetter letter = letter(s, r);
                assertThat(letter.stage()).isEqualTo("deliver");
                assertThat(letter.errorClass()).isEqualTo("WebhookPayloadTooLarge");
                assertThat(letter.sourceTopic()).isEqualTo(s.topics().results());
                assertThat(letter.errorMessage()).contains("try 1 failed").contains("65536");
            });
            await().alias("the next result's webhook delivered")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> receiver.received().stream()
                            .anyMatch(r -> r.webhookId().equals("after-1")));
            assertThat(receiver.received())
                    .filteredOn(r -> r.webhookId().equals("quoted-1"))
                    .as("tried once, with the whole body")
                    .singleElement()
                    .satisfies(r -> assertThat(r.body().length()).isGreaterThan(80_000));
            assertThat(kafka.readUntil(s.topics().webhookRetry(1), r -> false, Duration.ofSeconds(1)))
                    .isEmpty();
            assertThat(sink.health().up()).isTrue();
        }
    }

    @Test
    void shouldNeverCallAgainAnEndpointTheTenantRemovedAfterAFailedTry(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        // A retry 3 s later: time for the tenant's new record to reach the sink first.
        Setup s = setup(kafka, dir.resolve("state"), Map.of("webhooks.backoff", "3s"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("acme.secret"), secret);
        try (WebhookReceiver old = WebhookReceiver.start(secret, "127.0.0.1", 0);
                WebhookReceiver current = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                SinkService sink = new SinkService(s.config())) {
            AtomicInteger tries = new AtomicInteger();
            old.answerWith(r -> tries.incrementAndGet() == 1 ? 503 : 204);
            sink.start();
            putTenant(producer, s, "acme", old.url(), secretFile);
            complete(producer, s, succeeded("moved-1", "acme")).get();
            await().alias("the first try answered 503")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> old.received().size() == 1);

            // When the tenant replaces that endpoint before the retry
            putTenant(producer, s, "acme", current.url(), secretFile);

            // Then the retry is a dead letter, and neither endpoint gets the delivery again
            var letters = kafka.readUntil(s.topics().deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(60));
            assertThat(letters).singleElement().satisfies(r -> {
                DeadLetter letter = letter(s, r);
                assertThat(letter.stage()).isEqualTo("deliver");
                assertThat(letter.errorClass()).isEqualTo("WebhookEndpointNotRegistered");
                assertThat(letter.sourceTopic()).isEqualTo(s.topics().webhookRetry(1));
            });
            assertThat(old.received())
                    .extracting(WebhookReceiver.Received::answeredStatus)
                    .containsExactly(503);
            assertThat(current.received()).isEmpty();
            assertThat(metrics(sink))
                    .contains("sluice_webhooks_refused_total{service=\"result-sink\",tenant=\"acme\"} 1.0");
            assertThat(sink.health().up()).isTrue();
        }
    }

    @Test
    void shouldLeaveTheWebhookGroupsLagAtZeroAfterFinishingDeliveries(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup s = setup(kafka, dir.resolve("state"));
        String secret = newSecret();
        Path secretFile = Files.writeString(dir.resolve("acme.secret"), secret);
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        try (WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                var producer = kafka.producer();
                var admin = kafka.admin();
                // Writes to llm.results as the sink's Streams app does: in transactions, with markers.
                var aborting = new KafkaProducer<String, byte[]>(
                        Map.of(
                                "bootstrap.servers",
                                kafka.bootstrapServers(),
                                "transactional.id",
                                s.topics().results() + "-aborting"),
                        new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer());
                SinkService sink = new SinkService(s.config())) {
            // Given results whose first try fails for one in four, so that retry level 1 is used too
            receiver.answerWith(r -> r.webhookId().endsWith("-0") && failedOnce.add(r.webhookId()) ? 503 : 204);
            sink.start();
            putTenant(producer, s, "acme", receiver.url(), secretFile);
            var results = s.serdes().results().serializer();
            for (int i = 0; i < 20; i++) {
                String id = "lag-" + i / 4 + "-" + i % 4;
                complete(producer, s, succeeded(id, "acme"));
            }
            producer.flush();
            // and a transaction on llm.results aborted once its records are on the log: never
            // delivered, and not lag either
            aborting.initTransactions();
            aborting.beginTransaction();
            for (int i = 0; i < 3; i++) {
                aborting.send(new ProducerRecord<>(
                        s.topics().results(),
                        "acme",
                        results.serialize(s.topics().results(), succeeded("aborted-" + i, "acme"))));
            }
            aborting.flush();
            aborting.abortTransaction();

            // When every delivery is done
            await().alias("20 webhooks delivered, 5 of them on their second try")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> receiver.distinctAccepted() == 20 && failedOnce.size() == 5);

            // Then the first-try group and the retry level's group have committed up to their log ends
            String group = s.config().webhooks().groupId();
            assertLagZero(admin, group, s.topics().results());
            assertLagZero(admin, group + "-retry-1", s.topics().webhookRetry(1));
            assertThat(receiver.received())
                    .extracting(WebhookReceiver.Received::webhookId)
                    .noneMatch(id -> id.startsWith("aborted-"));
        }
    }

    private static void assertLagZero(org.apache.kafka.clients.admin.Admin admin, String group, String topic)
            throws Exception {
        int partitions = admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()
                .size();
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(
                    new org.apache.kafka.common.TopicPartition(topic, p),
                    org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        Map<org.apache.kafka.common.TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, o) -> ends.put(tp, o.offset()));
        assertThat(ends.values().stream().mapToLong(Long::longValue).sum())
                .as(topic + " holds records")
                .isPositive();
        await().alias(group + " committed at the log ends of " + topic + " (lag 0)")
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    Map<org.apache.kafka.common.TopicPartition, Long> committed = new HashMap<>();
                    ends.keySet().forEach(tp -> committed.put(tp, 0L));
                    admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get()
                            .forEach((tp, o) -> {
                                if (o != null && tp.topic().equals(topic)) {
                                    committed.put(tp, o.offset());
                                }
                            });
                    assertThat(committed).isEqualTo(ends);
                });
    }
}
