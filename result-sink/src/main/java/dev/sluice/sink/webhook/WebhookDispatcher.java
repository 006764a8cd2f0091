package dev.sluice.sink.webhook;

import com.standardwebhooks.Webhook;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.Decoding;
import dev.sluice.runtime.kafka.DeadLetters;
import dev.sluice.runtime.tenants.SecretRefs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each result on llm.results (read committed, so only results that really exist) to its
 * tenant's endpoint as a signed webhook; {@code webhook-id} is the requestId, so receivers can
 * de-duplicate redeliveries. Only a 2xx counts. Failed tries are retried after the configured
 * backoff steps (a longer Retry-After from the receiver wins, up to a cap); after the last step the
 * delivery becomes a dead letter with the reason, and the dispatcher moves on. An endpoint that
 * is not on the public internet ({@link EndpointGuard}) is never called: its delivery becomes a
 * dead letter saying why.
 */
public final class WebhookDispatcher implements ConcurrentRecordLoop.Handler {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    /** Waits between tries; tests pass one that does not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Function<String, Optional<TenantConfig>> tenants;
    private final WebhookSender sender;
    private final Deserializer<LlmResult> results;
    private final Producer<String, byte[]> producer;
    private final String deadLetterTopic;
    private final Serializer<DeadLetter> deadLetters;
    private final List<Duration> backoff;
    private final Duration maxRetryAfter;
    private final Clock clock;
    private final Sleeper sleeper;
    private final MeterRegistry metrics;
    private final EndpointGuard guard;

    public WebhookDispatcher(Function<String, Optional<TenantConfig>> tenants, WebhookSender sender,
            Deserializer<LlmResult> results, Producer<String, byte[]> producer, String deadLetterTopic,
            Serializer<DeadLetter> deadLetters, List<Duration> backoff, Duration maxRetryAfter, Clock clock,
            Sleeper sleeper, MeterRegistry metrics, EndpointGuard guard) {
        this.guard = guard;
        this.tenants = tenants;
        this.sender = sender;
        this.results = results;
        this.producer = producer;
        this.deadLetterTopic = deadLetterTopic;
        this.deadLetters = deadLetters;
        this.backoff = List.copyOf(backoff);
        this.maxRetryAfter = maxRetryAfter;
        this.clock = clock;
        this.sleeper = sleeper;
        this.metrics = metrics;
    }

    @Override
    public void handle(ConsumerRecord<String, byte[]> record) throws Exception {
        LlmResult result;
        try {
            result = Decoding.waitingOutRegistry(() -> results.deserialize(record.topic(), record.value()),
                    sleeper::sleep, e -> log.warn("Result {}-{}@{} waits for the schema registry: {}", record.topic(),
                            record.partition(), record.offset(), e.getMessage()));
        } catch (RuntimeException e) {
            deadLetter(record, "deserialize", e.getClass().getName(), String.valueOf(e.getMessage()));
            return;
        }
        Optional<TenantConfig> tenant = tenants.apply(result.tenantId());
        if (tenant.isEmpty()) {
            skipped("unknown_tenant", result);
            return;
        }
        String endpoint = tenant.get().endpointFor(result.webhook());
        if (endpoint == null) {
            skipped("no_endpoint", result);
            return;
        }
        List<Webhook> signers;
        try {
            signers = WebhookSender.signers(resolve(tenant.get().webhooks().signingSecretRefs()));
        } catch (IllegalArgumentException e) {
            deadLetter(record, "sign", "NoSigningSecret", "tenant " + result.tenantId() + ": " + e.getMessage());
            return;
        }
        try {
            deliver(record, result, endpoint, signers);
        } catch (RuntimeException e) {
            // A bug or unforeseen input while building or sending: this delivery becomes a dead
            // letter and the dispatcher goes on. Kafka failures (from deadLetter) still stop it.
            log.error("Webhook for {} of tenant {} failed inside the dispatcher", result.requestId(), result.tenantId(), e);
            deadLetter(record, "deliver", e.getClass().getName(), String.valueOf(e.getMessage()));
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record, LlmResult result, String endpoint,
            List<Webhook> signers) throws Exception {
        String body = ResultPayload.json(result);
        String trace = Tracing.from(record.headers());
        String tenant = result.tenantId();
        WebhookSender.Attempt attempt = null;
        for (int i = 0; i <= backoff.size(); i++) {
            if (i > 0) {
                metrics.counter("sluice_webhooks_retried_total", "tenant", tenant).increment();
                sleeper.sleep(delay(i - 1, attempt));
            }
            // Checked before every try: a name's DNS answer may change between tries.
            Optional<String> refused = guard.refusal(endpoint);
            if (refused.isPresent()) {
                metrics.counter("sluice_webhooks_refused_total", "tenant", tenant).increment();
                log.warn("Webhook for {} of tenant {} refused: {}", result.requestId(), tenant, refused.get());
                deadLetter(record, "deliver", "WebhookEndpointRefused", refused.get());
                return;
            }
            long start = clock.millis();
            attempt = sender.post(endpoint, result.requestId(), body, signers, trace);
            Timer.builder("sluice_webhook_latency").tag("tenant", tenant).register(metrics)
                    .record(Duration.ofMillis(clock.millis() - start));
            if (attempt.delivered()) {
                metrics.counter("sluice_webhooks_delivered_total", "tenant", tenant).increment();
                return;
            }
            log.info("Webhook for {} to tenant {} failed (try {}): {}", result.requestId(), tenant, i + 1,
                    attempt.error());
        }
        metrics.counter("sluice_webhooks_failed_total", "tenant", tenant).increment();
        deadLetter(record, "deliver", "WebhookDeliveryFailed", "no 2xx from the tenant's endpoint after "
                + (backoff.size() + 1) + " tries; last: " + attempt.error());
    }

    private Duration delay(int step, WebhookSender.Attempt previous) {
        Duration planned = backoff.get(step);
        Duration asked = previous == null ? null : previous.retryAfter();
        if (asked != null && asked.compareTo(planned) > 0) {
            return asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
        }
        return planned;
    }

    private static List<Secret> resolve(List<String> refs) {
        if (refs.isEmpty()) {
            throw new IllegalArgumentException("no signing secret is configured; deliveries are never sent unsigned");
        }
        List<Secret> out = new ArrayList<>();
        for (String ref : refs) {
            out.add(SecretRefs.resolve(ref));
        }
        return out;
    }

    private void skipped(String reason, LlmResult result) {
        metrics.counter("sluice_webhooks_skipped_total", "reason", reason).increment();
        log.debug("No webhook for {} of tenant {}: {}", result.requestId(), result.tenantId(), reason);
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String stage, String errorClass, String message)
            throws Exception {
        DeadLetter letter = DeadLetters.from(record, "result-sink", stage, errorClass, message, clock.instant());
        producer.send(new ProducerRecord<>(deadLetterTopic, record.key(),
                deadLetters.serialize(deadLetterTopic, letter))).get();
    }
}
