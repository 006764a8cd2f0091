package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.devstack.webhooks.WebhookReceiver;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestService;
import dev.sluice.model.JobState;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.Outage;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.LogCapture;
import dev.sluice.testkit.OtlpReceiver;
import dev.sluice.testkit.OtlpReceiver.ReceivedSpan;
import dev.sluice.testkit.SluiceKafka;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One job followed in one trace, from the caller's POST to its webhook, with every service on a
 * real broker, the provider simulator and a real OTLP/HTTP receiver: the job's first provider is
 * down, so the chain falls back to the second, and the tenant's endpoint answers 503 to the first
 * try and 204 to the second, through the retry topic. Its log lines are read as an operator reads
 * them, from the services' JSON layout.
 */
@SluiceKafka
class JobTraceIT {
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String PROMPT = "Summarise the minutes of the zebra-marmalade-7731 committee.";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldFollowAJobInOneTraceFromPostThroughAFallbackToItsSecondWebhookTry(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(random);
        Path secretFile = Files.writeString(dir.resolve("acme.whsec"), secret);
        Map<String, Integer> tries = new ConcurrentHashMap<>();

        String requestId;
        LlmResult result;
        List<String> logs;
        List<ConsumerRecord<String, byte[]>> produced = new ArrayList<>();
        List<WebhookReceiver.Received> webhooks;
        try (OtlpReceiver collector = OtlpReceiver.start();
                ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(20), Duration.ofMillis(10))
                        .withOutages(List.of(Outage.of(Duration.ZERO, Duration.ofHours(1), 503)
                                .onlyFor("openai", null))));
                WebhookReceiver endpoint = WebhookReceiver.start(secret, "127.0.0.1", 0);
                LogCapture capture = LogCapture.start()) {
            // given every service exporting to the collector, the primary provider down, and an
            // endpoint that fails the first try
            endpoint.answerWith(r -> tries.merge(r.webhookId(), 1, Integer::sum) == 1 ? 503 : 204);
            Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
            config.put("router.state.dir", dir.resolve("router").toString());
            config.put("sink.state.dir", dir.resolve("sink").toString());
            config.put("providers.names", "openai,anthropic");
            config.put("providers.openai.base.url", sim.baseUrl());
            config.put("providers.openai.api.key", "sk-trace");
            config.put("providers.anthropic.base.url", sim.baseUrl());
            config.put("providers.anthropic.api.key", "sk-ant-trace");
            config.put("worker.retries", "0");
            // The job's RUNNING event at once, so that it too is seen to carry the trace.
            config.put("worker.running.event.after", "0");
            config.put("webhooks.backoff", "1s");
            config.put("webhooks.allowed.hosts", "127.0.0.1");
            config.put("ingest.host", "127.0.0.1");
            config.put("ingest.port", "0");
            config.put("tracing.otlp.endpoint", collector.endpoint());
            config.put("tracing.sample.ratio", "1.0");
            List<SluiceService> services = new ArrayList<>();
            try (var producer = kafka.producer()) {
                services.add(InProcessServices.start(config, RouterConfig::read, RouterService::new));
                services.add(InProcessServices.start(config, WorkerConfig::read, WorkerService::new));
                services.add(InProcessServices.start(config, SinkConfig::read, SinkService::new));
                IngestService ingest =
                        (IngestService) InProcessServices.start(config, IngestConfig::read, IngestService::new);
                services.add(ingest);
                TenantConfig tenant = TenantConfig.basic(
                        "acme",
                        new TenantConfig.Webhooks(List.of(endpoint.url()), List.of("file:" + secretFile)),
                        Instant.now());
                producer.send(new ProducerRecord<>(
                                topics.tenants(),
                                "acme",
                                serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                        .get();
                DemoKeys keys = DemoKeys.issue(kafka.bootstrapServers(), topics, serdes, List.of("acme"), "trace-it");
                String ingestUrl = "http://127.0.0.1:" + ingest.port();
                keys.awaitKnown(ingestUrl, Duration.ofSeconds(60));

                // when a caller posts a job with its own traceparent
                HttpResponse<String> accepted = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs"))
                                        .header("Content-Type", "application/json")
                                        .header("Authorization", "Bearer " + keys.forTenant("acme"))
                                        .header("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01")
                                        .POST(HttpRequest.BodyPublishers.ofString(
                                                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).isEqualTo(202);
                requestId = JSON.readTree(accepted.body()).path("requestId").asText();

                await().alias("the job's webhook delivered on its second try")
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> endpoint.received().stream()
                                        .filter(r -> r.webhookId().equals(requestId))
                                        .filter(r -> r.answeredStatus() == 204)
                                        .count()
                                == 1);
                webhooks = endpoint.received().stream()
                        .filter(r -> r.webhookId().equals(requestId))
                        .toList();
                result = serdes.results()
                        .deserializer()
                        .deserialize(
                                topics.results(),
                                kafka.readUntil(topics.results(), r -> !r.isEmpty(), Duration.ofSeconds(30))
                                        .getFirst()
                                        .value());
                // One job ran: whatever these topics hold, the job produced.
                // Its events: ACCEPTED (ingest), QUEUED (router), RUNNING (worker).
                Map<String, Integer> records = Map.of(
                        topics.requests(),
                        1,
                        topics.jobEvents(),
                        3,
                        topics.completions(),
                        1,
                        topics.costEvents(),
                        1,
                        topics.results(),
                        1,
                        topics.webhookRetry(1),
                        1);
                records.forEach((topic, count) ->
                        produced.addAll(kafka.readUntil(topic, l -> l.size() >= count, Duration.ofSeconds(30))));
                String jobTopic = produced.stream()
                        .filter(r -> r.topic().equals(topics.jobEvents()))
                        .map(r -> serdes.jobStatus().deserializer().deserialize(r.topic(), r.value()))
                        .filter(e -> e.state() == JobState.QUEUED)
                        .findFirst()
                        .orElseThrow()
                        .detail();
                produced.addAll(kafka.readUntil(jobTopic, l -> !l.isEmpty(), Duration.ofSeconds(30)));
            } finally {
                // Closing each service exports what its telemetry still holds.
                for (int i = services.size() - 1; i >= 0; i--) {
                    services.get(i).close();
                }
            }
            logs = capture.lines();

            // then the job was answered by the fallback, on the second try of its webhook
            assertThat(result.status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(result.provider()).isEqualTo("anthropic");
            assertThat(webhooks)
                    .extracting(WebhookReceiver.Received::answeredStatus)
                    .containsExactly(503, 204);

            // and every span about the job is in the caller's trace
            List<ReceivedSpan> spans = collector.spans();
            assertThat(spans)
                    .filteredOn(s -> requestId.equals(s.attribute("sluice.request_id")))
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s.traceId()).isEqualTo(CALLER_TRACE));
            List<ReceivedSpan> trace = collector.trace(CALLER_TRACE);

            // with the structure POST -> decide -> (queued, worker job -> two attempts) -> sink result -> two tries
            ReceivedSpan post = one(trace, "POST /v1/jobs");
            assertThat(post.service()).isEqualTo("ingest-service");
            assertThat(post.kind()).isEqualTo("SPAN_KIND_SERVER");
            assertThat(post.parentSpanId()).isEqualTo(CALLER_SPAN);
            assertThat(post.attribute("http.response.status_code")).isEqualTo(202L);
            ReceivedSpan decide = one(trace, "router decide");
            assertThat(decide.service()).isEqualTo("router-stream");
            assertThat(decide.parentSpanId()).isEqualTo(post.spanId());
            assertThat(decide.attribute("sluice.decision")).isEqualTo("route");
            ReceivedSpan queued = one(trace, "job queued");
            assertThat(queued.parentSpanId()).isEqualTo(decide.spanId());
            assertThat(queued.endNanos()).isGreaterThanOrEqualTo(queued.startNanos());
            ReceivedSpan job = one(trace, "worker job");
            assertThat(job.service()).isEqualTo("worker-pool");
            assertThat(job.parentSpanId()).isEqualTo(decide.spanId());
            assertThat(job.attribute("sluice.status")).isEqualTo("SUCCEEDED");
            assertThat(queued.endNanos()).isLessThanOrEqualTo(job.startNanos());

            List<ReceivedSpan> attempts =
                    trace.stream().filter(s -> s.name().startsWith("chat ")).toList();
            assertThat(attempts).hasSize(2).allSatisfy(a -> {
                assertThat(a.parentSpanId()).isEqualTo(job.spanId());
                assertThat(a.kind()).isEqualTo("SPAN_KIND_CLIENT");
                assertThat(a.attribute("gen_ai.operation.name")).isEqualTo("chat");
                assertThat(a.name()).isEqualTo("chat " + a.attribute("gen_ai.request.model"));
            });
            ReceivedSpan failed = attempts.stream()
                    .filter(a -> "openai".equals(a.attribute("gen_ai.system")))
                    .findFirst()
                    .orElseThrow();
            assertThat(failed.attribute("gen_ai.provider.name")).isEqualTo("openai");
            assertThat(failed.attribute("sluice.outcome")).isEqualTo("server_error");
            assertThat(failed.attribute("http.response.status_code")).isEqualTo(503L);
            assertThat(failed.statusCode()).isEqualTo("STATUS_CODE_ERROR");
            ReceivedSpan fallback = attempts.stream()
                    .filter(a -> "anthropic".equals(a.attribute("gen_ai.system")))
                    .findFirst()
                    .orElseThrow();
            assertThat(fallback.attribute("gen_ai.provider.name")).isEqualTo("anthropic");
            assertThat(fallback.attribute("gen_ai.request.model")).isEqualTo(result.model());
            assertThat(fallback.attribute("sluice.outcome")).isEqualTo("ok");
            assertThat(fallback.attribute("http.response.status_code")).isEqualTo(200L);
            assertThat(fallback.attribute("gen_ai.usage.input_tokens"))
                    .isEqualTo(result.usage().totalInputTokens());
            assertThat(fallback.attribute("gen_ai.usage.output_tokens"))
                    .isEqualTo(result.usage().outputTokens());
            assertThat(fallback.attribute("gen_ai.usage.cache_read.input_tokens"))
                    .isEqualTo(result.usage().cachedInputTokens());
            assertThat(fallback.attribute("sluice.cost_micros")).isEqualTo(result.costMicros());
            assertThat(result.costMicros()).isPositive();
            assertThat(failed.startNanos()).isLessThan(fallback.startNanos());

            ReceivedSpan sink = one(trace, "sink result");
            assertThat(sink.service()).isEqualTo("result-sink");
            assertThat(sink.parentSpanId()).isEqualTo(job.spanId());
            List<ReceivedSpan> webhookTries = trace.stream()
                    .filter(s -> s.name().equals("webhook try"))
                    .sorted(java.util.Comparator.comparingLong(ReceivedSpan::startNanos))
                    .toList();
            assertThat(webhookTries)
                    .hasSize(2)
                    .allSatisfy(t -> assertThat(t.parentSpanId()).isEqualTo(sink.spanId()));
            assertThat(webhookTries)
                    .extracting(t -> t.attribute("http.response.status_code"))
                    .containsExactly(503L, 204L);
            assertThat(webhookTries)
                    .extracting(t -> t.attribute("sluice.webhook.try"))
                    .containsExactly(1L, 2L);
            // each try's HTTP request carries that try's own context
            for (int i = 0; i < 2; i++) {
                assertThat(webhooks.get(i).headers().get("traceparent"))
                        .isEqualTo(
                                "00-" + CALLER_TRACE + "-" + webhookTries.get(i).spanId() + "-01");
            }
        }

        // every record the job produced carries the caller's trace
        assertThat(produced)
                .hasSize(9)
                .allSatisfy(r -> assertThat(Tracing.traceId(Tracing.from(r.headers())))
                        .as("trace of the record on %s", r.topic())
                        .isEqualTo(CALLER_TRACE));

        // and every log line about the job names its service, request, tenant and trace, in JSON
        List<JsonNode> lines = logs.stream().map(JobTraceIT::parse).toList();
        List<JsonNode> aboutJob = lines.stream()
                .filter(l -> requestId.equals(l.path("requestId").asText(null)))
                .toList();
        assertThat(aboutJob).allSatisfy(l -> {
            assertThat(l.path("tenantId").asText()).isEqualTo("acme");
            assertThat(l.path("traceId").asText()).isEqualTo(CALLER_TRACE);
        });
        assertThat(aboutJob)
                .extracting(l -> l.path("service").asText())
                .contains("ingest-service", "router-stream", "worker-pool", "result-sink");
        assertThat(lines)
                .filteredOn(l -> l.path("message").asText().contains(requestId))
                .allSatisfy(l -> assertThat(l.path("requestId").asText()).isEqualTo(requestId));
        // and neither the prompt nor the output is ever logged
        assertThat(logs).noneMatch(l -> l.contains("zebra-marmalade-7731"));
        assertThat(result.output()).hasSizeGreaterThan(20);
        assertThat(logs).noneMatch(l -> l.contains(result.output()));
    }

    private static ReceivedSpan one(List<ReceivedSpan> trace, String name) {
        List<ReceivedSpan> named =
                trace.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(named)
                .as(
                        "spans named '%s' in %s",
                        name, trace.stream().map(ReceivedSpan::name).toList())
                .hasSize(1);
        return named.getFirst();
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("a log line that is not JSON: " + line, e);
        }
    }
}
