package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.devstack.webhooks.WebhookReceiver;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestService;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every series docs/metrics.md promises, on the four services' real scrapes after jobs of every
 * kind have passed through a real broker (HTTP and Kafka submissions, a refusal, exact,
 * single-flight and semantic cache hits, a provider batch, a webhook delivered on its second try, an endpoint
 * gone, dead letters in router, worker and sink, a job stuck without a result), each with its labels
 * and HELP text; and
 * {@code promtool check metrics} clean on each scrape, once the Kafka clients' metrics have had
 * their first refresh, with no series exported twice. Every query of the alert rules and Grafana
 * dashboards in deploy/ is held to the same scrapes: each series, label and exact label value it
 * reads is there.
 */
@SluiceKafka
class MetricsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TENANT = "acme";
    private static final String GONE = "gone";

    private record Expected(String service, String name, String type, Map<String, String> labels) {}

    @Test
    void shouldExportEveryPromisedSeriesWithHelpAndPassPromtoolOnEveryService(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Promtool.binary(); // fails at once, saying how to install it, rather than after the whole run
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        String secret = secret();
        Path secretFile = Files.writeString(dir.resolve("tenant.whsec"), secret);
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(20), Duration.ofMillis(20))
                        .withBatchProcessingTime(Duration.ofSeconds(1)));
                WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0);
                WebhookReceiver gone = WebhookReceiver.start(secret, "127.0.0.1", 0);
                KafkaProducer<String, byte[]> producer = kafka.producer()) {
            // The first try of one delivery fails, so it is delivered on its second; the other
            // tenant's endpoint is gone (410), which disables it and dead-letters its delivery.
            receiver.answerWith(r -> r.webhookId().equals("retry-me")
                            && receiver.received().stream()
                                            .filter(x -> x.webhookId().equals("retry-me"))
                                            .count()
                                    == 0
                    ? 500
                    : 204);
            gone.answerWith(r -> 410);
            Map<String, String> config = config(kafka, prefix, dir, sim);
            Settings settings = new Settings(ConfigSource.of(config));
            String routerGroup = RouterConfig.read(settings).applicationId();
            String sinkGroup = SinkConfig.read(settings).applicationId();
            String webhookGroup = SinkConfig.read(settings).webhooks().groupId();
            String workerGroup = WorkerConfig.read(settings).groupId();

            Map<String, SluiceService> services = new LinkedHashMap<>();
            try {
                services.put("router-stream", InProcessServices.start(config, RouterConfig::read, RouterService::new));
                services.put("worker-pool", InProcessServices.start(config, WorkerConfig::read, WorkerService::new));
                services.put("result-sink", InProcessServices.start(config, SinkConfig::read, SinkService::new));
                services.put("ingest-service", InProcessServices.start(config, IngestConfig::read, IngestService::new));
                putTenant(
                        producer,
                        topics,
                        serdes,
                        new TenantConfig(
                                TENANT,
                                null,
                                new TenantConfig.Limits(null, null, 10_000_000L, 100_000_000L, null),
                                null,
                                null,
                                null,
                                null,
                                new TenantConfig.Webhooks(List.of(receiver.url()), List.of("file:" + secretFile)),
                                null,
                                TenantConfig.CachePolicy.DEFAULT.withSemantic(),
                                null,
                                TenantConfig.DEFAULT_BATCH_THRESHOLD_SECONDS,
                                1,
                                Instant.now()));
                putTenant(
                        producer,
                        topics,
                        serdes,
                        TenantConfig.basic(
                                GONE,
                                new TenantConfig.Webhooks(List.of(gone.url()), List.of("file:" + secretFile)),
                                Instant.now()));

                // Given jobs of every kind: over HTTP and on Kafka, a refusal, two identical requests
                // at once (the second waits for the first), a batch job, bad records for the router
                // and the worker, and deliveries that need a retry or find their endpoint gone
                String ingestUrl = "http://127.0.0.1:" + ((IngestService) services.get("ingest-service")).port();
                DemoKeys keys = DemoKeys.issue(kafka.bootstrapServers(), topics, serdes, List.of(TENANT), "metrics");
                keys.awaitKnown(ingestUrl, Duration.ofSeconds(60));
                for (int i = 0; i < 3; i++) {
                    HttpRequest job = HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + keys.forTenant(TENANT))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":"
                                    + "\"Classify ticket " + i + "\"}]}"))
                            .build();
                    HttpResponse<String> accepted = HTTP.send(job, HttpResponse.BodyHandlers.ofString());
                    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                }
                List<LlmRequest> requests = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    requests.add(request("plain-" + i, TENANT, "Summarise item " + i, 0.7, null));
                }
                requests.add(request("retry-me", TENANT, "Summarise the retried item", 0.7, null));
                requests.add(request("gone-1", GONE, "Summarise for a gone endpoint", 0.7, null));
                requests.add(request("cache-a", TENANT, "What is the capital of France?", 0.0, null));
                requests.add(request("cache-b", TENANT, "What is the capital of France?", 0.0, null));
                requests.add(request("reset-a", TENANT, "How do I reset my password?", 0.0, null));
                requests.add(request(
                        "batch-1",
                        TENANT,
                        "Summarise the quarterly report",
                        0.7,
                        Instant.now().plus(Duration.ofHours(6))));
                requests.add(new LlmRequest(
                        "empty-1",
                        TENANT,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        64,
                        null,
                        null,
                        null,
                        Map.of(),
                        Instant.now()));
                for (LlmRequest r : requests) {
                    send(
                            producer,
                            topics.requests(),
                            r.tenantId(),
                            serdes.requests().serializer().serialize(topics.requests(), r));
                }
                send(producer, topics.requests(), TENANT, "\u0000not a request".getBytes(StandardCharsets.UTF_8));
                String jobTopic = topics.job(dev.sluice.model.Tier.SMALL, dev.sluice.model.Priority.NORMAL);
                send(producer, jobTopic, "not-a-job", "\u0000not a job".getBytes(StandardCharsets.UTF_8));
                // A QUEUED status of a job that never comes, as a job lost after routing would leave
                send(
                        producer,
                        topics.jobEvents(),
                        TENANT,
                        serdes.jobStatus()
                                .serializer()
                                .serialize(
                                        topics.jobEvents(),
                                        dev.sluice.model.JobStatus.of(
                                                "lost-1",
                                                TENANT,
                                                dev.sluice.model.JobState.QUEUED,
                                                jobTopic,
                                                Instant.now())));
                producer.flush();

                Map<String, Scrape> scrapes = new HashMap<>();
                // The leader's result has been through the router once the follower is served from it;
                // only then is the same request an exact cache hit.
                await().alias("the second identical request served by the first's result")
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> scrape(services.get("router-stream"))
                                .hasSeries(
                                        "sluice_router_cache_hits_total",
                                        Map.of("tenant", TENANT, "kind", "single_flight")));
                send(
                        producer,
                        topics.requests(),
                        TENANT,
                        serdes.requests()
                                .serializer()
                                .serialize(
                                        topics.requests(),
                                        request("cache-c", TENANT, "What is the capital of France?", 0.0, null)));
                // In other words: a semantic hit (or, while reset-a still runs, its follower)
                send(
                        producer,
                        topics.requests(),
                        TENANT,
                        serdes.requests()
                                .serializer()
                                .serialize(
                                        topics.requests(),
                                        request(
                                                "reset-b",
                                                TENANT,
                                                "I forgot my password, how can I set a new one?",
                                                0.0,
                                                null)));
                producer.flush();

                int results = 3 + requests.size() + 2;
                assertThat(kafka.readUntil(topics.results(), r -> r.size() >= results, Duration.ofSeconds(120)))
                        .as("a result for every request")
                        .hasSize(results);
                await().alias("every webhook of acme delivered")
                        .atMost(Duration.ofSeconds(60))
                        .until(receiver::distinctAccepted, n -> n == results - 1);

                // When the services are scraped, once every promised series is there and the Kafka
                // clients' metrics have had their first refresh (their per-topic series appear then)
                List<Expected> expected = expected(prefix, routerGroup, workerGroup, sinkGroup, webhookGroup);
                await().alias("every promised series exported")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            for (Map.Entry<String, SluiceService> s : services.entrySet()) {
                                scrapes.put(s.getKey(), scrape(s.getValue()));
                            }
                            return missing(expected, scrapes).isEmpty()
                                    && refreshed(scrapes.get("router-stream"))
                                    && refreshed(scrapes.get("result-sink"));
                        });

                // Then each has its labels and HELP, none is exported twice, and promtool finds nothing
                Path kept = Files.createDirectories(Path.of("target", "metrics-it"));
                for (Scrape s : scrapes.values()) {
                    Files.writeString(kept.resolve(s.service() + ".prom"), s.text()); // to read after a failure
                }
                SoftAssertions soft = new SoftAssertions();
                for (Expected e : expected) {
                    Scrape s = scrapes.get(e.service());
                    String family = family(e);
                    soft.assertThat(s.types().get(family))
                            .as(e.service() + " " + family + " type")
                            .isEqualTo(e.type());
                    soft.assertThat(s.help().get(family))
                            .as(e.service() + " " + family + " HELP")
                            .isNotBlank();
                }
                for (Scrape s : scrapes.values()) {
                    soft.assertThat(s.duplicates())
                            .as(s.service() + ": series exported twice")
                            .isEmpty();
                    soft.assertThat(s.samples().stream()
                                    .map(Scrape.Sample::name)
                                    .filter(n -> n.startsWith("kafka_") && n.contains("records_lag")))
                            .as(s.service() + ": the clients' own lag, replaced by sluice_consumer_lag_records")
                            .isEmpty();
                    soft.assertThat(Promtool.problems(s.text()))
                            .as(s.service() + ": promtool check metrics")
                            .isEmpty();
                }
                // and every query of the alert rules and dashboards in deploy/ reads series they export
                soft.assertThat(DeployQueries.unexported(DeployQueries.all(), scrapes.values()))
                        .as("deploy/ queries of series no service exports")
                        .isEmpty();
                soft.assertThat(HTTP.send(
                                        HttpRequest.newBuilder(URI.create(ingestUrl + "/metrics"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode())
                        .as("metrics on ingest's API port")
                        .isEqualTo(404);
                soft.assertAll();
            } finally {
                List<SluiceService> started = new ArrayList<>(services.values());
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).close();
                }
            }
        }
    }

    /** The series docs/metrics.md promises, with labels whose values this run makes certain. */
    private static List<Expected> expected(
            String prefix, String routerGroup, String workerGroup, String sinkGroup, String webhookGroup) {
        List<Expected> e = new ArrayList<>();
        String router = "router-stream";
        e.add(new Expected(router, "sluice_router_accepted_to_routed_seconds_bucket", "histogram", Map.of()));
        e.add(new Expected(
                router, "sluice_router_jobs_routed_total", "counter", Map.of("tenant", TENANT, "route", "batch")));
        e.add(new Expected(
                router,
                "sluice_router_jobs_routed_total",
                "counter",
                Map.of("tenant", TENANT, "route", "medium.normal")));
        e.add(new Expected(
                router,
                "sluice_router_requests_answered_total",
                "counter",
                Map.of("tenant", TENANT, "status", "REJECTED", "reason", "EMPTY_MESSAGES")));
        e.add(new Expected(
                router,
                "sluice_router_requests_answered_total",
                "counter",
                Map.of("tenant", TENANT, "status", "SUCCEEDED", "reason", "CACHE_HIT")));
        e.add(new Expected(
                router, "sluice_router_cache_hits_total", "counter", Map.of("tenant", TENANT, "kind", "exact")));
        e.add(new Expected(
                router,
                "sluice_router_cache_hits_total",
                "counter",
                Map.of("tenant", TENANT, "kind", "single_flight")));
        e.add(new Expected(
                router, "sluice_router_cache_hits_total", "counter", Map.of("tenant", TENANT, "kind", "semantic")));
        e.add(new Expected(
                router, "sluice_router_semantic_lookups_total", "counter", Map.of("tenant", TENANT, "outcome", "hit")));
        // A tenant's first request after a start is embedded on the stream thread: the interceptor learns of it there.
        e.add(new Expected(
                router, "sluice_router_semantic_embed_seconds_bucket", "histogram", Map.of("where", "stream_thread")));
        e.add(new Expected(router, "sluice_router_semantic_lookup_seconds_bucket", "histogram", Map.of()));
        for (String period : List.of("day", "month")) {
            e.add(new Expected(
                    router, "sluice_router_budget_spent_ratio", "gauge", Map.of("tenant", TENANT, "period", period)));
            e.add(new Expected(
                    router,
                    "sluice_router_budget_committed_ratio",
                    "gauge",
                    Map.of("tenant", TENANT, "period", period)));
        }
        e.add(new Expected(router, "sluice_dead_letters_total", "counter", Map.of("stage", "deserialize")));
        e.add(new Expected(
                router,
                "sluice_consumer_lag_records",
                "gauge",
                Map.of("group", routerGroup, "topic", prefix + "requests")));

        String worker = "worker-pool";
        e.add(new Expected(
                worker,
                "sluice_worker_queue_wait_seconds_bucket",
                "histogram",
                Map.of("path", "sync", "priority", "normal")));
        e.add(new Expected(
                worker,
                "sluice_worker_queue_wait_seconds_bucket",
                "histogram",
                Map.of("path", "batch", "priority", "normal")));
        e.add(new Expected(
                worker,
                "sluice_worker_provider_call_seconds_bucket",
                "histogram",
                Map.of("provider", "openai", "model", "gpt-4.1-mini", "outcome", "ok")));
        e.add(new Expected(
                worker,
                "sluice_worker_provider_calls_total",
                "counter",
                Map.of("provider", "openai", "model", "gpt-4.1-mini", "outcome", "ok")));
        e.add(new Expected(worker, "sluice_worker_jobs_total", "counter", Map.of("status", "SUCCEEDED")));
        e.add(new Expected(worker, "sluice_worker_jobs_total", "counter", Map.of("status", "BATCHED")));
        for (String basis : List.of("sync", "batch")) {
            e.add(new Expected(
                    worker,
                    "sluice_worker_cost_micros_total",
                    "counter",
                    Map.of("tenant", TENANT, "provider", "openai", "model", "gpt-4.1-mini", "basis", basis)));
            for (String kind : List.of("input", "output", "cached_input", "cache_write")) {
                e.add(new Expected(
                        worker,
                        "sluice_worker_tokens_total",
                        "counter",
                        Map.of("tenant", TENANT, "model", "gpt-4.1-mini", "basis", basis, "kind", kind)));
            }
        }
        e.add(new Expected(
                worker,
                "sluice_worker_circuit_breaker_state",
                "gauge",
                Map.of("provider", "openai", "model", "gpt-4.1-mini", "state", "closed")));
        e.add(new Expected(
                worker,
                "sluice_worker_rate_limit_wait_seconds_count",
                "histogram",
                Map.of("provider", "openai", "model", "gpt-4.1-mini")));
        e.add(new Expected(
                worker,
                "sluice_worker_rate_limit_gave_up_total",
                "counter",
                Map.of("provider", "openai", "model", "gpt-4.1-mini")));
        for (String limit : List.of("requests", "tokens")) {
            e.add(new Expected(
                    worker,
                    "sluice_worker_provider_quota_used_ratio",
                    "gauge",
                    Map.of("provider", "openai", "model", "gpt-4.1-mini", "limit", limit)));
        }
        e.add(new Expected(worker, "sluice_worker_in_flight", "gauge", Map.of()));
        e.add(new Expected(worker, "sluice_worker_batches_open", "gauge", Map.of()));
        e.add(new Expected(worker, "sluice_worker_batch_jobs_gathering", "gauge", Map.of()));
        e.add(new Expected(worker, "sluice_dead_letters_total", "counter", Map.of("stage", "deserialize")));
        e.add(new Expected(
                worker,
                "sluice_consumer_lag_records",
                "gauge",
                Map.of("group", workerGroup, "topic", prefix + "jobs.medium.normal")));
        e.add(new Expected(
                worker,
                "sluice_consumer_lag_records",
                "gauge",
                Map.of("group", workerGroup, "topic", prefix + "jobs.batch")));

        String sink = "result-sink";
        e.add(new Expected(
                sink,
                "sluice_sink_results_total",
                "counter",
                Map.of("tenant", TENANT, "status", "SUCCEEDED", "reason", "NONE")));
        e.add(new Expected(
                sink,
                "sluice_sink_results_total",
                "counter",
                Map.of("tenant", TENANT, "status", "REJECTED", "reason", "EMPTY_MESSAGES")));
        e.add(new Expected(
                sink, "sluice_sink_jobs_stuck_total", "counter", Map.of("tenant", TENANT, "state", "QUEUED")));
        e.add(new Expected(sink, "sluice_sink_completed_to_result_seconds_bucket", "histogram", Map.of()));
        for (String path : List.of("router", "sync", "batch")) {
            e.add(new Expected(sink, "sluice_sink_end_to_end_seconds_bucket", "histogram", Map.of("path", path)));
        }
        e.add(new Expected(sink, "sluice_webhook_try_seconds_bucket", "histogram", Map.of("outcome", "delivered")));
        e.add(new Expected(sink, "sluice_webhook_try_seconds_bucket", "histogram", Map.of("outcome", "failed")));
        e.add(new Expected(sink, "sluice_webhook_delivery_seconds_bucket", "histogram", Map.of()));
        e.add(new Expected(sink, "sluice_webhooks_delivered_total", "counter", Map.of("tenant", TENANT)));
        e.add(new Expected(sink, "sluice_webhooks_retried_total", "counter", Map.of("tenant", TENANT)));
        e.add(new Expected(sink, "sluice_webhooks_failed_total", "counter", Map.of("tenant", GONE)));
        e.add(new Expected(sink, "sluice_webhook_endpoints_disabled_total", "counter", Map.of("tenant", GONE)));
        e.add(new Expected(sink, "sluice_dead_letters_total", "counter", Map.of("stage", "deliver")));
        e.add(new Expected(
                sink,
                "sluice_consumer_lag_records",
                "gauge",
                Map.of("group", sinkGroup, "topic", prefix + "completions")));
        e.add(new Expected(
                sink,
                "sluice_consumer_lag_records",
                "gauge",
                Map.of("group", webhookGroup, "topic", prefix + "results")));

        String ingest = "ingest-service";
        e.add(new Expected(
                ingest, "sluice_ingest_requests_total", "counter", Map.of("endpoint", "jobs", "status", "202")));
        e.add(new Expected(
                ingest, "sluice_ingest_ack_latency_seconds_bucket", "histogram", Map.of("endpoint", "jobs")));
        e.add(new Expected(ingest, "sluice_ingest_status_records_total", "counter", Map.of()));
        e.add(new Expected(ingest, "sluice_ingest_status_subscriptions", "gauge", Map.of()));

        for (String service : List.of(router, worker, sink, ingest)) {
            e.add(new Expected(service, "process_cpu_seconds_total", "counter", Map.of()));
            e.add(new Expected(service, "jvm_memory_used_bytes", "gauge", Map.of()));
        }
        // Every series carries the service it comes from.
        return e.stream()
                .map(x -> {
                    Map<String, String> labels = new HashMap<>(x.labels());
                    labels.put("service", x.service());
                    return new Expected(x.service(), x.name(), x.type(), Map.copyOf(labels));
                })
                .toList();
    }

    private static List<Expected> missing(List<Expected> expected, Map<String, Scrape> scrapes) {
        return expected.stream()
                .filter(e -> scrapes.get(e.service()) == null
                        || !scrapes.get(e.service()).hasSeries(e.name(), e.labels()))
                .toList();
    }

    /** A histogram's family is its name without _bucket, _count or _sum; a counter's keeps _total. */
    private static String family(Expected e) {
        return e.type().equals("histogram") ? e.name().replaceAll("_(bucket|count|sum)$", "") : e.name();
    }

    /** Kafka's per-topic consumer series exist only after Micrometer's first refresh of the clients' metrics. */
    private static boolean refreshed(Scrape s) {
        return s.samples().stream()
                .anyMatch(x -> x.name().startsWith("kafka_consumer_fetch_manager_")
                        && x.labels().containsKey("topic"));
    }

    private static Scrape scrape(SluiceService service) throws Exception {
        String body = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return Scrape.of(service.name(), body);
    }

    private static Map<String, String> config(KafkaStack kafka, String prefix, Path dir, ProviderSimulator sim) {
        Map<String, String> c = new HashMap<>(kafka.serviceConfig(prefix));
        c.put("router.state.dir", dir.resolve("router").toString());
        c.put("sink.state.dir", dir.resolve("sink").toString());
        c.put("ingest.state.dir", dir.resolve("ingest").toString());
        c.put("ingest.host", "127.0.0.1");
        c.put("ingest.port", "0");
        c.put("ops.host", "127.0.0.1");
        c.put("providers.names", "openai,anthropic");
        c.put("providers.openai.base.url", sim.baseUrl());
        c.put("providers.openai.api.key", "sk-metrics");
        c.put("providers.anthropic.base.url", sim.baseUrl());
        c.put("providers.anthropic.api.key", "sk-ant-metrics");
        c.put("worker.batch.max.age", "500ms");
        c.put("worker.batch.poll.interval", "200ms");
        c.put("worker.batch.poll.max.interval", "1s");
        c.put("webhooks.allowed.hosts", "127.0.0.1");
        c.put("webhooks.backoff", "1s");
        c.put("sink.stuck.after", "3s");
        return c;
    }

    private static LlmRequest request(String id, String tenant, String prompt, double temperature, Instant deadline) {
        return new LlmRequest(
                id,
                tenant,
                null,
                null,
                null,
                deadline,
                null,
                null,
                List.of(Message.user(prompt)),
                64,
                temperature,
                null,
                null,
                Map.of(),
                Instant.now());
    }

    private static void putTenant(
            KafkaProducer<String, byte[]> producer, Topics topics, SluiceSerdes serdes, TenantConfig tenant)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.tenants(),
                        tenant.tenantId(),
                        serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                .get();
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    private static String secret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}
