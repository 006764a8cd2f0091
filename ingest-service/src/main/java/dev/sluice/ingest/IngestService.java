package dev.sluice.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front door: {@code POST /v1/jobs} turns a JSON job into an Avro request on llm.requests
 * (keyed by tenantId) and answers 202 with the requestId only after the broker acked the record,
 * so an accepted job is never lost. Nothing is produced for a request that fails validation.
 * Handlers run on virtual threads, so waiting for the ack costs no platform thread.
 */
public final class IngestService implements SluiceService {
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final IngestConfig config;
    private final PrometheusMeterRegistry metrics;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<LlmRequest> requests;
    private final Clock clock;
    private final Timer ackLatency;
    private Javalin app;

    public IngestService(IngestConfig config) {
        this.config = config;
        this.metrics = Metrics.newRegistry(name());
        this.producer = new KafkaProducer<>(producerProps(config));
        this.requests = config.kafka().serdes().requests().serializer();
        this.clock = Clock.systemUTC();
        this.ackLatency = Timer.builder("sluice_ingest_ack_latency").publishPercentiles(0.5, 0.95, 0.99)
                .register(metrics);
    }

    /**
     * The producer gives up within the produce timeout on its own (metadata wait, retries and
     * delivery included), so a 503 means the record was definitely not written: a job is either
     * acknowledged with 202 or not stored at all, never stored after the client was told no.
     */
    static Map<String, Object> producerProps(IngestConfig config) {
        Map<String, Object> props = ClientProps.producer(config.kafka(),
                "ingest-" + UUID.randomUUID().toString().substring(0, 8));
        long timeout = config.produceTimeout().toMillis();
        long linger = ((Number) props.get(ProducerConfig.LINGER_MS_CONFIG)).longValue();
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeout - linger));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
        return props;
    }

    @Override
    public String name() {
        return "ingest-service";
    }

    @Override
    public void start() {
        if (config.createTopics()) {
            TopicCreator.ensure(config.kafka());
        }
        app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.http.maxRequestSize = config.maxBodyBytes() + 1L;
            cfg.routes.post("/v1/jobs", this::submit);
            OpsServer.addRoutes(cfg, name(), metrics, this::health, this::ready);
            cfg.routes.error(404, ctx -> problem(ctx, new Problem(Problem.BASE + "not-found", "No such resource", 404,
                    "No route for " + ctx.method() + " " + ctx.path(), java.util.List.of())));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
                problem(ctx, new Problem(Problem.BASE + "internal", "Internal error", 500,
                        "The request failed inside the service; nothing was stored", java.util.List.of()));
            });
        }).start(config.host(), config.port());
    }

    private void submit(Context ctx) throws IOException {
        String contentType = ctx.contentType();
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            count(415);
            problem(ctx, Problem.unsupportedMediaType(contentType));
            return;
        }
        byte[] body = readCapped(ctx.bodyInputStream(), config.maxBodyBytes());
        if (body == null) {
            count(413);
            problem(ctx, Problem.tooLarge(config.maxBodyBytes()));
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            count(400);
            problem(ctx, Problem.malformed(e.getOriginalMessage()));
            return;
        }
        if (json == null) {
            count(400);
            problem(ctx, Problem.malformed("the body is empty"));
            return;
        }
        String requestId = UUID.randomUUID().toString();
        JobRequestParser.Parsed parsed = JobRequestParser.parse(json, requestId, ctx.header("Idempotency-Key"),
                clock.instant());
        if (parsed.request() == null) {
            count(400);
            problem(ctx, Problem.invalid(parsed.errors()));
            return;
        }
        LlmRequest request = parsed.request();
        RecordHeaders headers = new RecordHeaders();
        Tracing.put(headers, Tracing.continueOrStart(ctx.header(Tracing.TRACEPARENT)));
        String topic = config.kafka().topics().requests();
        long start = System.nanoTime();
        try {
            // The producer's delivery timeout ends the send first; the extra second only guards a hang.
            producer.send(new ProducerRecord<>(topic, null, request.tenantId(), requests.serialize(topic, request),
                    headers)).get(config.produceTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            count(503);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            log.warn("Could not store request {}: {}", requestId, cause.toString());
            ctx.header("Retry-After", "5");
            problem(ctx, Problem.unavailable("The broker did not acknowledge the job within "
                    + config.produceTimeout().toMillis() + " ms (" + cause.getClass().getSimpleName()
                    + "); nothing was accepted, retry later"));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        ackLatency.record(Duration.ofNanos(System.nanoTime() - start));
        count(202);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("requestId", requestId);
        answer.put("tenantId", request.tenantId());
        answer.put("idempotencyKey", request.effectiveIdempotencyKey());
        answer.put("status", "ACCEPTED");
        ctx.status(202).contentType("application/json").result(JSON.writeValueAsString(answer));
    }

    /** The body, or null when it is longer than the limit (chunked bodies have no Content-Length to check). */
    private static byte[] readCapped(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit + 1);
        return bytes.length > limit ? null : bytes;
    }

    private static void problem(Context ctx, Problem p) {
        try {
            ctx.status(p.status()).contentType("application/problem+json").result(JSON.writeValueAsString(p));
        } catch (JsonProcessingException e) {
            ctx.status(p.status()).result(p.detail());
        }
    }

    private void count(int status) {
        metrics.counter("sluice_ingest_requests_total", "status", Integer.toString(status)).increment();
    }

    public int port() {
        return app == null ? -1 : app.port();
    }

    @Override
    public Health health() {
        return new Health(app != null, Map.of("port", port()));
    }

    @Override
    public int opsPort() {
        return port();
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
