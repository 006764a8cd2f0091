package dev.sluice.cli.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A steady load at a fixed rate, mixed over the two ways in: {@code POST /v1/jobs} to ingest-service
 * (acked when answered 202) and records produced straight to {@code llm.requests} by a durable,
 * idempotent producer (acked when the broker acks them). Every job's prompt is unique, so that the
 * simulator can tell a repeated provider call from a new one. A job that was not acked (ingest down,
 * 503 while the broker is) is not owed a result, and is only counted as refused.
 */
final class ChaosLoad implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a job came in. */
    enum Source {
        HTTP,
        DIRECT
    }

    /** An acked job: when it was acked, by which way. */
    record Acked(String requestId, Source source, Instant at) {}

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("chaos-load").factory());
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final Semaphore httpInFlight = new Semaphore(32);
    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;
    private final SluiceSerdes serdes;
    private final String ingestUrl;
    private final String apiKey;
    private final int httpPercent;
    private final Map<String, Acked> acked = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();

    ChaosLoad(
            String bootstrapServers,
            Topics topics,
            SluiceSerdes serdes,
            String ingestUrl,
            String apiKey,
            int httpPercent) {
        this.topics = topics;
        this.serdes = serdes;
        this.ingestUrl = ingestUrl;
        this.apiKey = apiKey;
        this.httpPercent = httpPercent;
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Starts sending {@code perSecond} jobs a second. */
    void start(int perSecond) {
        ticks.scheduleAtFixedRate(this::sendOne, 0, 1_000_000L / perSecond, TimeUnit.MICROSECONDS);
    }

    private void sendOne() {
        long n = sent.getAndIncrement();
        String prompt = "chaos run " + run + ", job " + n + ": summarise the incident report in three lines.";
        // Spread evenly: of every 100 jobs, httpPercent go over HTTP.
        boolean overHttp = (n * httpPercent / 100) != ((n + 1) * httpPercent / 100);
        pending.incrementAndGet();
        if (overHttp) {
            sendHttp(prompt);
        } else {
            sendDirect(prompt);
        }
    }

    private void sendHttp(String prompt) {
        if (!httpInFlight.tryAcquire()) {
            refused.incrementAndGet();
            pending.decrementAndGet();
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        HttpRequest request = HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs"))
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + apiKey)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            try {
                if (error == null && response.statusCode() == 202) {
                    String id = JSON.readTree(response.body()).path("requestId").asText();
                    acked.put(id, new Acked(id, Source.HTTP, Instant.now()));
                } else {
                    refused.incrementAndGet();
                }
            } catch (Exception e) {
                refused.incrementAndGet();
            } finally {
                httpInFlight.release();
                pending.decrementAndGet();
            }
        });
    }

    private void sendDirect(String prompt) {
        LlmRequest r = LlmRequest.of(UUID.randomUUID().toString(), ProcessStack.TENANT, prompt, Instant.now());
        producer.send(
                new ProducerRecord<>(
                        topics.requests(),
                        r.tenantId(),
                        serdes.requests().serializer().serialize(topics.requests(), r)),
                (meta, error) -> {
                    if (error == null) {
                        acked.put(r.requestId(), new Acked(r.requestId(), Source.DIRECT, Instant.now()));
                    } else {
                        refused.incrementAndGet();
                    }
                    pending.decrementAndGet();
                });
    }

    /** Stops sending and waits until every job sent has its answer (acked or refused). */
    void stop(Duration timeout) throws InterruptedException {
        ticks.shutdownNow();
        ticks.awaitTermination(5, TimeUnit.SECONDS);
        producer.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    Map<String, Acked> acked() {
        return acked;
    }

    List<Acked> ackedSnapshot() {
        return List.copyOf(acked.values());
    }

    long sent() {
        return sent.get();
    }

    long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        ticks.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }
}
