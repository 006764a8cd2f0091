package dev.sluice.runtime.kafka;

import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The topic catalogue (docs/architecture.md, "Topics"). One prefix setting renames every topic, so several
 * Sluice installations (or tests) can share a cluster.
 */
public final class Topics {
    public static final String DEFAULT_PREFIX = "llm.";
    public static final List<Tier> ROUTED_TIERS = List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE);

    private final String prefix;

    public Topics(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String requests() {
        return prefix + "requests";
    }

    /**
     * A tenant's own request topic, {@code llm.requests.<tenant>}: broker ACLs can give a tenant's
     * producers this topic alone, and the router answers a request on it only as that tenant's.
     * Empty when the tenant's id cannot be part of a topic name.
     */
    public java.util.Optional<String> tenantRequests(String tenantId) {
        String name = prefix + "requests." + tenantId;
        return TENANT_SEGMENT.matcher(tenantId).matches() && name.length() <= 249
                ? java.util.Optional.of(name)
                : java.util.Optional.empty();
    }

    /** Every tenant's request topic, present and future: what the router subscribes to besides llm.requests. */
    public java.util.regex.Pattern tenantRequestsPattern() {
        return java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(prefix + "requests.") + TENANT_SEGMENT.pattern());
    }

    /** The tenant whose request topic this is; empty for llm.requests and any other topic. */
    public java.util.Optional<String> tenantOfRequestTopic(String topic) {
        return topic != null && tenantRequestsPattern().matcher(topic).matches()
                ? java.util.Optional.of(topic.substring(prefix.length() + "requests.".length()))
                : java.util.Optional.empty();
    }

    /**
     * What a tenant id must look like to have a request topic: the characters Kafka allows in a
     * name, which are those `sluice tenants put` allows in a tenant id.
     */
    private static final java.util.regex.Pattern TENANT_SEGMENT = java.util.regex.Pattern.compile("[A-Za-z0-9._-]+");

    public String tenants() {
        return prefix + "tenants";
    }

    /** Tenants' API keys, by keyId; only hashes (ADR 0011). */
    public String apiKeys() {
        return prefix + "api-keys";
    }

    public String job(Tier tier, Priority priority) {
        if (tier == Tier.AUTO) {
            throw new IllegalArgumentException("AUTO is resolved by the router; there is no AUTO job topic");
        }
        return prefix + "jobs." + tier.topicSegment() + "." + priority.topicSegment();
    }

    public String jobsBatch() {
        return prefix + "jobs.batch";
    }

    public String batches() {
        return prefix + "batches";
    }

    public String completions() {
        return prefix + "completions";
    }

    public String costEvents() {
        return prefix + "cost-events";
    }

    public String results() {
        return prefix + "results";
    }

    public String jobStatus() {
        return prefix + "job-status";
    }

    /** Status transitions from router and workers; the sink folds them into job-status (ADR 0002). */
    public String jobEvents() {
        return prefix + "job-events";
    }

    public String spend() {
        return prefix + "spend";
    }

    public String webhookRetry(int level) {
        return prefix + "webhooks.retry." + level;
    }

    /** Webhook endpoints that answered 410 Gone; compacted, key tenantId + " " + endpoint. */
    public String webhooksDisabled() {
        return prefix + "webhooks.disabled";
    }

    public String deadLetters() {
        return prefix + "dead-letters";
    }

    /**
     * The dead letters {@code sluice dlq replay} put back, keyed by letter ({@code partition@offset}),
     * each written in the transaction that put it back, so that none is put back twice.
     */
    /** Users' feedback on jobs' answers (keyed by tenantId), joined to results for analysis. */
    public String feedback() {
        return prefix + "feedback";
    }

    /** Eval runs' reports (JSON, keyed by suite), kept a year so runs can be compared over time. */
    public String evalRuns() {
        return prefix + "eval-runs";
    }

    public String deadLetterReplays() {
        return prefix + "dead-letters.replays";
    }

    /** The synchronous job topics of the given tiers, HIGH priority first. */
    public List<String> jobTopics(List<Tier> tiers) {
        List<String> out = new ArrayList<>();
        for (Priority p : Priority.values()) {
            for (Tier t : tiers) {
                out.add(job(t, p));
            }
        }
        return out;
    }

    /** The largest record llm.batches takes, and producers send. */
    public static final int BATCH_RECORD_BYTES = 16 << 20;

    /** Every topic Sluice uses, with partitions and cleanup policy. */
    public List<TopicSpec> all(TopicLayout layout) {
        int tp = layout.tenantPartitions();
        int jp = layout.jobPartitions();
        List<TopicSpec> specs = new ArrayList<>();
        specs.add(TopicSpec.delete(requests(), tp, Duration.ofDays(7)));
        specs.add(TopicSpec.compact(tenants(), 1));
        specs.add(TopicSpec.compact(apiKeys(), 1));
        for (String job : jobTopics(ROUTED_TIERS)) {
            specs.add(TopicSpec.delete(job, jp, Duration.ofDays(7)));
        }
        specs.add(TopicSpec.delete(jobsBatch(), jp, Duration.ofDays(7)));
        // A batch's record lists its jobs: 100,000 lines (Anthropic's most) take about 7 MB.
        specs.add(TopicSpec.compact(batches(), jp).with("max.message.bytes", Integer.toString(BATCH_RECORD_BYTES)));
        specs.add(TopicSpec.delete(completions(), tp, Duration.ofDays(7)));
        specs.add(TopicSpec.delete(costEvents(), tp, Duration.ofDays(35)));
        specs.add(TopicSpec.delete(results(), tp, Duration.ofDays(7)));
        specs.add(TopicSpec.compact(jobStatus(), tp));
        specs.add(TopicSpec.delete(jobEvents(), tp, Duration.ofDays(7)));
        specs.add(TopicSpec.compact(spend(), tp));
        specs.add(TopicSpec.delete(feedback(), tp, Duration.ofDays(35)));
        for (int level = 1; level <= layout.webhookRetryLevels(); level++) {
            specs.add(TopicSpec.delete(webhookRetry(level), jp, Duration.ofDays(3)));
        }
        specs.add(TopicSpec.compact(webhooksDisabled(), 1));
        specs.add(TopicSpec.delete(deadLetters(), jp, Duration.ofDays(30)));
        // As long as the letters themselves, and a little longer, so no letter outlives its record.
        specs.add(TopicSpec.delete(deadLetterReplays(), 1, Duration.ofDays(31)));
        specs.add(TopicSpec.delete(evalRuns(), 1, Duration.ofDays(365)));
        return specs.stream().map(s -> laidOut(s, layout)).toList();
    }

    /**
     * A tenant's own request topic as {@code sluice tenants put --request-topic} creates it: like
     * llm.requests. Its partition count is free (the router re-keys what it carries); empty when
     * the tenant's id cannot name a topic.
     */
    public java.util.Optional<TopicSpec> tenantRequestsSpec(String tenantId, TopicLayout layout) {
        return tenantRequests(tenantId)
                .map(name -> laidOut(TopicSpec.delete(name, layout.tenantPartitions(), Duration.ofDays(7)), layout));
    }

    private static TopicSpec laidOut(TopicSpec spec, TopicLayout layout) {
        // Said explicitly rather than left to the broker's default: the services' record limit
        // (topics.max.record.bytes) relies on every topic taking it.
        TopicSpec sized = spec.configs().containsKey("max.message.bytes")
                ? spec
                : spec.with("max.message.bytes", Integer.toString(layout.topicMaxMessageBytes()));
        return sized.withReplication(layout.replicationFactor());
    }

    /** A topic to create: name, partitions, replication and topic-level configs. */
    public record TopicSpec(String name, int partitions, short replication, Map<String, String> configs) {
        static TopicSpec delete(String name, int partitions, Duration retention) {
            return new TopicSpec(
                    name,
                    partitions,
                    (short) 1,
                    Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(retention.toMillis())));
        }

        static TopicSpec compact(String name, int partitions) {
            return new TopicSpec(
                    name,
                    partitions,
                    (short) 1,
                    Map.of(
                            "cleanup.policy", "compact",
                            // Dirty ratio and lag low enough that a restart reads little more than the live set.
                            "min.cleanable.dirty.ratio", "0.1",
                            "segment.ms", Long.toString(Duration.ofHours(1).toMillis())));
        }

        TopicSpec with(String key, String value) {
            Map<String, String> c = new java.util.HashMap<>(configs);
            c.put(key, value);
            return new TopicSpec(name, partitions, replication, Map.copyOf(c));
        }

        /**
         * {@code rf} replicas, and min.insync.replicas said explicitly: 2 when replicated, else 1,
         * so that a topic of one replica still takes writes on a cluster whose default is 2.
         */
        TopicSpec withReplication(short rf) {
            Map<String, String> c = new java.util.HashMap<>(configs);
            c.put("min.insync.replicas", Integer.toString(Math.min(2, rf)));
            return new TopicSpec(name, partitions, rf, Map.copyOf(c));
        }
    }
}
