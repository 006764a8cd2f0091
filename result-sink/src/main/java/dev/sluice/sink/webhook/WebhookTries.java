package dev.sluice.sink.webhook;

import com.standardwebhooks.Webhook;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DisabledEndpoint;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.WebhookDelivery;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.kafka.DeadLetters;
import dev.sluice.runtime.kafka.Decoding;
import dev.sluice.runtime.kafka.OversizedOutputs;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tenants.SecretRefs;
import dev.sluice.runtime.tracing.JobScope;
import dev.sluice.runtime.tracing.LogContext;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.RecordTooLargeForTopic;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One try of a webhook delivery and what follows from it. Before the try: the tenant must still
 * exist, the endpoint must still be one of its endpoints and not be disabled or refused by the
 * {@link EndpointGuard}, and a signing
 * secret must be configured. After it, the delivery is either done (2xx), disabled with its
 * endpoint (410 Gone), written to the next retry level with its time of the next try, or, after
 * the last level, a dead letter. Every try sends the same body with the same {@code webhook-id}
 * (the requestId), signed anew with the tenant's current secrets.
 *
 * <p>Everything written (the next level, a dead letter, a disabled endpoint) is acknowledged
 * before this returns, so the record that led here may be committed.
 *
 * <p>Each try is a {@code webhook try} span (kind CLIENT) in the job's trace, child of the
 * result's {@code sink result} span: a delivery written to a retry level keeps the trace context
 * of the record it came from, so every try of a delivery is a sibling under the result, and the
 * HTTP request carries the try's own {@code traceparent}.
 */
public final class WebhookTries {
    private static final Logger log = LoggerFactory.getLogger(WebhookTries.class);

    private final Function<String, Optional<TenantConfig>> tenants;
    private final DisabledEndpoints disabled;
    private final EndpointGuard guard;
    private final WebhookSender sender;
    private final RetrySchedule schedule;
    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final Serializer<WebhookDelivery> deliveries;
    private final Serializer<DeadLetter> deadLetters;
    private final Clock clock;
    private final WebhookMetrics metrics;
    private final Telemetry telemetry;

    public WebhookTries(
            Function<String, Optional<TenantConfig>> tenants,
            DisabledEndpoints disabled,
            EndpointGuard guard,
            WebhookSender sender,
            RetrySchedule schedule,
            Producer<String, byte[]> producer,
            Topics topics,
            Serializer<WebhookDelivery> deliveries,
            Serializer<DeadLetter> deadLetters,
            Clock clock,
            WebhookMetrics metrics,
            Telemetry telemetry) {
        this.telemetry = telemetry;
        this.tenants = tenants;
        this.disabled = disabled;
        this.guard = guard;
        this.sender = sender;
        this.schedule = schedule;
        this.producer = producer;
        this.topics = topics;
        this.deliveries = deliveries;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Makes try {@code delivery.attempt() + 1} of the delivery that {@code source} carries (a
     * result, or a delivery on a retry level).
     */
    public void attempt(ConsumerRecord<String, byte[]> source, WebhookDelivery delivery) throws Exception {
        Span span = telemetry.start(telemetry
                .span("webhook try", SpanKind.CLIENT, Tracing.extract(source.headers()))
                .setAttribute(AttributeKey.stringKey("http.request.method"), "POST")
                .setAttribute(AttributeKey.stringKey("server.address"), host(delivery.endpoint()))
                .setAttribute(AttributeKey.longKey("sluice.webhook.try"), delivery.attempt() + 1L));
        try (JobScope scope = telemetry.open(span, delivery.requestId(), delivery.tenantId())) {
            attempt(source, delivery, scope);
        }
    }

    /** The endpoint's host only: a tenant's URL may hold a token in its path or query. */
    private static String host(String endpoint) {
        try {
            return String.valueOf(URI.create(endpoint).getHost());
        } catch (IllegalArgumentException e) {
            return "invalid";
        }
    }

    /** The ids of the delivery in the log context of this record's thread, until closed. */
    public LogContext logContext(ConsumerRecord<String, byte[]> source, String requestId, String tenantId) {
        return LogContext.open(
                telemetry.service(), requestId, tenantId, Tracing.traceId(Tracing.from(source.headers())));
    }

    private void attempt(ConsumerRecord<String, byte[]> source, WebhookDelivery delivery, JobScope scope)
            throws Exception {
        String tenantId = delivery.tenantId();
        Optional<TenantConfig> tenant = tenants.apply(tenantId);
        if (tenant.isEmpty()) {
            skipped("unknown_tenant", delivery.requestId(), tenantId);
            return;
        }
        if (!tenant.get().registers(delivery.endpoint())) {
            // Checked before every try: the tenant may have removed the endpoint since the first.
            metrics.refused(tenantId);
            deadLetter(
                    source,
                    "WebhookEndpointNotRegistered",
                    "the endpoint is not one of tenant " + tenantId
                            + "'s webhook endpoints now; only those are ever called");
            return;
        }
        Optional<DisabledEndpoint> off = disabled.disabling(tenant.get(), delivery.endpoint());
        if (off.isPresent()) {
            metrics.failed(tenantId);
            deadLetter(
                    source,
                    "WebhookEndpointDisabled",
                    "the endpoint answered " + off.get().httpStatus()
                            + " Gone at " + off.get().disabledAt() + " (delivery "
                            + off.get().requestId() + ") and is"
                            + " disabled until the tenant's configuration is written again (sluice tenants put)");
            return;
        }
        // Checked before every try: a name's DNS answer may change between tries.
        Optional<String> refused = guard.refusal(delivery.endpoint());
        if (refused.isPresent()) {
            metrics.refused(tenantId);
            log.warn("Webhook for {} of tenant {} refused: {}", delivery.requestId(), tenantId, refused.get());
            deadLetter(source, "WebhookEndpointRefused", refused.get());
            return;
        }
        List<Webhook> signers;
        try {
            signers = WebhookSender.signers(resolve(tenant.get().webhooks().signingSecretRefs()));
        } catch (IllegalArgumentException e) {
            metrics.failed(tenantId);
            deadLetter(source, "NoSigningSecret", "tenant " + tenantId + ": " + e.getMessage());
            return;
        }
        long start = clock.millis();
        WebhookSender.Attempt attempt =
                sender.post(delivery.endpoint(), delivery.requestId(), delivery.body(), signers, scope.traceparent());
        metrics.tried(attempt.delivered(), Duration.ofMillis(clock.millis() - start));
        int tries = delivery.attempt() + 1;
        if (attempt.status() != 0) {
            scope.span().setAttribute(SluiceAttributes.HTTP_STATUS, (long) attempt.status());
        }
        if (!attempt.delivered()) {
            scope.span().setStatus(StatusCode.ERROR, String.valueOf(attempt.error()));
        }
        scope.span().setAttribute(SluiceAttributes.OUTCOME, attempt.delivered() ? "delivered" : "failed");
        if (attempt.delivered()) {
            metrics.delivered(delivery, clock.instant());
            log.debug("Webhook delivered on try {}", tries);
            return;
        }
        if (attempt.status() == 410) {
            disable(source, delivery, tries);
            return;
        }
        Optional<Duration> wait = schedule.delayAfter(tries, attempt.retryAfter());
        if (wait.isEmpty()) {
            metrics.failed(tenantId);
            deadLetter(
                    source,
                    "WebhookDeliveryFailed",
                    "no 2xx from the tenant's endpoint after " + tries + " tries (waits " + schedule.describe()
                            + "); last: " + attempt.error());
            return;
        }
        log.info(
                "Webhook for {} to tenant {} failed (try {} of {}), next in {}: {}",
                delivery.requestId(),
                tenantId,
                tries,
                schedule.maxAttempts(),
                RetrySchedule.words(wait.get()),
                attempt.error());
        metrics.retried(tenantId);
        Instant now = clock.instant();
        WebhookDelivery next = new WebhookDelivery(
                delivery.requestId(),
                tenantId,
                delivery.endpoint(),
                delivery.body(),
                tries,
                now.plus(wait.get()),
                attempt.status() == 0 ? null : attempt.status(),
                attempt.error(),
                delivery.firstAttemptAt());
        writeToLevel(source, next, topics.webhookRetry(tries));
    }

    /** Writes the delivery to a retry level, keeping the trace of the record it came from. */
    public void writeToLevel(ConsumerRecord<String, byte[]> source, WebhookDelivery next, String topic)
            throws Exception {
        RecordHeaders headers = new RecordHeaders();
        var trace = source.headers().lastHeader(Tracing.TRACEPARENT);
        if (trace != null) {
            headers.add(Tracing.TRACEPARENT, trace.value());
        }
        byte[] value;
        try {
            value = deliveries.serialize(topic, next);
        } catch (RecordTooLargeForTopic e) {
            // The first try had the payload in hand; a retry must keep it on a topic, and it does not fit.
            metrics.failed(next.tenantId());
            deadLetter(
                    source,
                    "WebhookPayloadTooLarge",
                    "try " + next.attempt() + " failed and the payload cannot" + " be kept for the next: "
                            + e.getMessage());
            return;
        }
        try {
            producer.send(new ProducerRecord<>(topic, null, next.requestId(), value, headers))
                    .get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof Exception cause) || !OversizedOutputs.refusedForThisRecordOnly(cause)) {
                throw e;
            }
            // Refused for good (the level's own smaller max.message.bytes, an invalid record): this
            // delivery only; the next ones go on.
            metrics.failed(next.tenantId());
            deadLetter(
                    source,
                    "WebhookRetryRefused",
                    "try " + next.attempt() + " failed and " + topic + " refused the delivery for the next (" + cause
                            + ")");
        }
    }

    private void disable(ConsumerRecord<String, byte[]> source, WebhookDelivery delivery, int tries) throws Exception {
        String tenantId = delivery.tenantId();
        disabled.disable(
                new DisabledEndpoint(tenantId, delivery.endpoint(), 410, delivery.requestId(), clock.instant()));
        metrics.endpointDisabled(tenantId);
        metrics.failed(tenantId);
        log.warn(
                "Webhook endpoint of tenant {} answered 410 Gone to {} (try {}); it is disabled until the tenant's"
                        + " configuration is written again",
                tenantId,
                delivery.requestId(),
                tries);
        deadLetter(
                source,
                "WebhookEndpointGone",
                "the endpoint answered 410 Gone on try " + tries
                        + "; it is disabled until the tenant's configuration is written again (sluice tenants put)");
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

    /**
     * The record's value, waiting while the schema registry cannot be reached; null when the value
     * cannot be read at all, after writing it to the dead letters (stage {@code deserialize}).
     */
    public <T> T decode(ConsumerRecord<String, byte[]> record, Deserializer<T> deserializer, Decoding.Sleeper sleeper)
            throws Exception {
        try {
            return Decoding.waitingOutRegistry(
                    () -> deserializer.deserialize(record.topic(), record.value()),
                    sleeper,
                    e -> log.warn(
                            "Record {}-{}@{} waits for the schema registry: {}",
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            e.getMessage()));
        } catch (RuntimeException e) {
            deadLetter(record, "deserialize", e.getClass().getName(), String.valueOf(e.getMessage()));
            return null;
        }
    }

    /** A result that gets no webhook (its tenant is unknown, or has no endpoint). */
    public void skipped(String reason, String requestId, String tenantId) {
        metrics.skipped(reason);
        log.debug("No webhook for {} of tenant {}: {}", requestId, tenantId, reason);
    }

    /** A dead letter (stage {@code deliver}) for the record that carried the delivery, acknowledged. */
    public void deadLetter(ConsumerRecord<String, byte[]> record, String errorClass, String message) throws Exception {
        deadLetter(record, "deliver", errorClass, message);
    }

    public void deadLetter(ConsumerRecord<String, byte[]> record, String stage, String errorClass, String message)
            throws Exception {
        String topic = topics.deadLetters();
        Span.current().setStatus(StatusCode.ERROR, errorClass).setAttribute(SluiceAttributes.OUTCOME, "dead_letter");
        DeadLetter letter = DeadLetters.from(record, "result-sink", stage, errorClass, message, clock.instant());
        try {
            producer.send(DeadLetters.record(topic, letter, deadLetters.serialize(topic, letter)))
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the dead-letter topic " + topic + " did not take the letter of "
                            + record.topic() + "-" + record.partition() + "@" + record.offset()
                            + "; nothing else can take"
                            + " it, so this loop stops without committing past it",
                    e.getCause());
        }
        metrics.deadLettered(stage);
    }
}
