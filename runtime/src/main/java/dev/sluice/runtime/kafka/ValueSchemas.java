package dev.sluice.runtime.kafka;

import dev.sluice.avro.ApiKey;
import dev.sluice.avro.CostEvent;
import dev.sluice.avro.DeadLetter;
import dev.sluice.avro.DeadLetterReplay;
import dev.sluice.avro.DisabledEndpoint;
import dev.sluice.avro.Feedback;
import dev.sluice.avro.JobStatus;
import dev.sluice.avro.LlmJob;
import dev.sluice.avro.LlmRequest;
import dev.sluice.avro.LlmResult;
import dev.sluice.avro.ProviderBatch;
import dev.sluice.avro.TenantConfig;
import dev.sluice.avro.TenantSpend;
import dev.sluice.avro.WebhookDelivery;
import dev.sluice.schemas.registry.SchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistryException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Avro value schema of every Sluice topic, by its TopicNameStrategy subject
 * ({@code <topic>-value}). They are registered when the stack starts (ingest-service, and the CLI's
 * local stack), so that a producer or consumer outside Sluice that registers nothing itself
 * (Confluent's {@code auto.register.schemas=false}, or {@code use.latest.version}) can start before
 * Sluice has written a record. {@code llm.eval-runs} carries JSON and has no schema.
 */
public final class ValueSchemas {
    private static final Logger log = LoggerFactory.getLogger(ValueSchemas.class);

    private ValueSchemas() {}

    /** Subject to schema, for every topic of the catalogue but llm.eval-runs, in catalogue order. */
    public static Map<String, Schema> of(Topics topics, TopicLayout layout) {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        put(subjects, topics.requests(), LlmRequest.getClassSchema());
        put(subjects, topics.tenants(), TenantConfig.getClassSchema());
        put(subjects, topics.apiKeys(), ApiKey.getClassSchema());
        for (String job : topics.jobTopics(Topics.ROUTED_TIERS)) {
            put(subjects, job, LlmJob.getClassSchema());
        }
        put(subjects, topics.jobsBatch(), LlmJob.getClassSchema());
        put(subjects, topics.batches(), ProviderBatch.getClassSchema());
        put(subjects, topics.completions(), LlmResult.getClassSchema());
        put(subjects, topics.costEvents(), CostEvent.getClassSchema());
        put(subjects, topics.results(), LlmResult.getClassSchema());
        put(subjects, topics.jobStatus(), JobStatus.getClassSchema());
        put(subjects, topics.jobEvents(), JobStatus.getClassSchema());
        put(subjects, topics.spend(), TenantSpend.getClassSchema());
        put(subjects, topics.feedback(), Feedback.getClassSchema());
        for (int level = 1; level <= layout.webhookRetryLevels(); level++) {
            put(subjects, topics.webhookRetry(level), WebhookDelivery.getClassSchema());
        }
        put(subjects, topics.webhooksDisabled(), DisabledEndpoint.getClassSchema());
        put(subjects, topics.deadLetters(), DeadLetter.getClassSchema());
        put(subjects, topics.deadLetterReplays(), DeadLetterReplay.getClassSchema());
        return subjects;
    }

    /** The subjects of tenants' own request topics ({@code sluice tenants put --request-topic}). */
    public static Map<String, Schema> ofTenantRequests(List<String> topics) {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        topics.forEach(topic -> put(subjects, topic, LlmRequest.getClassSchema()));
        return subjects;
    }

    /** The TopicNameStrategy subject of a topic's values. */
    public static String subject(String topic) {
        return topic + "-value";
    }

    /**
     * Registers each schema under its subject (a schema registered already keeps its id). A
     * subject the registry refuses (incompatible with what it holds, say) is logged with the
     * registry's reason and the rest are still registered. A registry that does not answer, or
     * refuses the credentials, would refuse every subject alike: the first such failure ends the
     * run with one line. Sluice's own serializers register what they write as they write it, so
     * only outside clients that register nothing would miss a subject. Returns the subjects not
     * registered.
     */
    public static List<String> register(SchemaRegistry registry, Map<String, Schema> subjects) {
        List<String> failed = new ArrayList<>();
        List<String> all = List.copyOf(subjects.keySet());
        for (int i = 0; i < all.size(); i++) {
            String subject = all.get(i);
            try {
                registry.register(subject, subjects.get(subject));
            } catch (RuntimeException e) {
                if (refusesEverything(e)) {
                    failed.addAll(all.subList(i, all.size()));
                    log.warn(
                            "Could not register the value schemas of {} subjects ({}); clients that do not register"
                                    + " schemas themselves cannot use a topic until Sluice writes to it",
                            failed.size(),
                            e.getMessage());
                    return failed;
                }
                failed.add(subject);
                log.warn(
                        "Could not register the schema of {} ({}); a client that does not register schemas itself"
                                + " cannot use that topic until Sluice writes to it",
                        subject,
                        e.getMessage());
            }
        }
        if (failed.isEmpty()) {
            log.info("Value schemas of {} subjects registered", subjects.size());
        }
        return failed;
    }

    /** No answer at all, or the credentials refused: every other subject would fail the same way. */
    private static boolean refusesEverything(RuntimeException e) {
        if (!(e instanceof SchemaRegistryException r)) {
            return false;
        }
        return r.httpStatus() < 0 || r.httpStatus() == 401 || r.httpStatus() == 403;
    }

    private static void put(Map<String, Schema> subjects, String topic, Schema schema) {
        subjects.put(subject(topic), schema);
    }
}
