package dev.sluice.sink.webhook;

import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.WebhookDelivery;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.Decoding;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the first try of each result's webhook: reads llm.results (read committed, so only
 * results that really exist), finds the tenant's endpoint, builds the body once and hands it to
 * {@link WebhookTries}. A failed first try goes to retry level 1 ({@link RetryLevel} takes it from
 * there), so no thread is held waiting to try again.
 */
public final class WebhookDispatcher implements ConcurrentRecordLoop.Handler<Void> {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final Function<String, Optional<TenantConfig>> tenants;
    private final Deserializer<LlmResult> results;
    private final WebhookTries tries;
    private final Clock clock;
    private final Decoding.Sleeper sleeper;

    public WebhookDispatcher(
            Function<String, Optional<TenantConfig>> tenants,
            Deserializer<LlmResult> results,
            WebhookTries tries,
            Clock clock,
            Decoding.Sleeper sleeper) {
        this.tenants = tenants;
        this.results = results;
        this.tries = tries;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    @Override
    public void handle(ConsumerRecord<String, byte[]> record, Void nothing) throws Exception {
        LlmResult result = tries.decode(record, results, sleeper);
        if (result == null) {
            return;
        }
        try (var ids = tries.logContext(record, result.requestId(), result.tenantId())) {
            deliver(record, result);
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record, LlmResult result) throws Exception {
        Optional<TenantConfig> tenant = tenants.apply(result.tenantId());
        if (tenant.isEmpty()) {
            skipped("unknown_tenant", result);
            return;
        }
        String endpoint = tenant.get().endpointFor(result.webhook());
        if (endpoint == null) {
            // A request may name any URL; only the tenant's own endpoints are ever called. The router
            // rejected such a request (WEBHOOK_NOT_ALLOWED); its result stays on llm.results.
            skipped(result.webhook() == null ? "no_endpoint" : "endpoint_not_registered", result);
            return;
        }
        try {
            tries.attempt(
                    record,
                    new WebhookDelivery(
                            result.requestId(),
                            result.tenantId(),
                            endpoint,
                            ResultPayload.json(result),
                            0,
                            clock.instant(),
                            null,
                            null,
                            clock.instant()));
        } catch (RuntimeException e) {
            // A bug or unforeseen input while building or sending: this delivery becomes a dead
            // letter and the dispatcher goes on. Kafka failures (writing that letter) still stop it.
            log.error(
                    "Webhook for {} of tenant {} failed inside the dispatcher",
                    result.requestId(),
                    result.tenantId(),
                    e);
            tries.deadLetter(record, "deliver", e.getClass().getName(), String.valueOf(e.getMessage()));
        }
    }

    private void skipped(String reason, LlmResult result) {
        tries.skipped(reason, result.requestId(), result.tenantId());
    }
}
