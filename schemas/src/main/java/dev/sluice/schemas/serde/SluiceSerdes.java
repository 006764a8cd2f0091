package dev.sluice.schemas.serde;

import dev.sluice.model.ApiKey;
import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.model.DisabledEndpoint;
import dev.sluice.model.Feedback;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.WebhookDelivery;
import dev.sluice.schemas.AvroMapping;
import dev.sluice.schemas.registry.SchemaRegistry;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * Serdes of every Sluice record, as plain records, over one registry client. With a record limit,
 * every serializer but those of provider batches (their topic takes more) and dead letters (they
 * fit by construction) refuses a value larger than the limit with {@link RecordTooLargeForTopic},
 * so that an oversized record never reaches a producer.
 */
public final class SluiceSerdes {
    private final SchemaRegistry registry;
    private final boolean autoRegister;
    private final int maxRecordBytes;
    private final OutputGuard guard;

    public SluiceSerdes(SchemaRegistry registry, boolean autoRegister, int maxRecordBytes) {
        this(registry, autoRegister, maxRecordBytes, null);
    }

    private SluiceSerdes(SchemaRegistry registry, boolean autoRegister, int maxRecordBytes, OutputGuard guard) {
        this.registry = registry;
        this.autoRegister = autoRegister;
        this.maxRecordBytes = maxRecordBytes;
        this.guard = guard;
    }

    public SluiceSerdes(SchemaRegistry registry, boolean autoRegister) {
        this(registry, autoRegister, Integer.MAX_VALUE);
    }

    public SluiceSerdes(SchemaRegistry registry) {
        this(registry, true);
    }

    /** These serdes, refusing values over {@code maxRecordBytes}. */
    public SluiceSerdes limitedTo(int maxRecordBytes) {
        return new SluiceSerdes(registry, autoRegister, maxRecordBytes, guard);
    }

    /** These serdes, whose serializers show every value they write to {@code guard}, which may refuse it. */
    public SluiceSerdes guardedBy(OutputGuard guard) {
        return new SluiceSerdes(registry, autoRegister, maxRecordBytes, guard);
    }

    /** The largest value the limited serializers write; {@code Integer.MAX_VALUE} without a limit. */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public SchemaRegistry registry() {
        return registry;
    }

    private <M, A extends SpecificRecord> ModelSerde<M, A> serde(
            Class<A> avro, Function<M, A> to, Function<A, M> from) {
        return serde(avro, to, from, maxRecordBytes);
    }

    private <M, A extends SpecificRecord> ModelSerde<M, A> serde(
            Class<A> avro, Function<M, A> to, Function<A, M> from, int limit) {
        return new ModelSerde<>(
                new AvroSerializer<>(registry, autoRegister),
                new AvroDeserializer<>(registry, avro),
                to,
                from,
                limit,
                guard);
    }

    public ModelSerde<LlmRequest, dev.sluice.avro.LlmRequest> requests() {
        return serde(dev.sluice.avro.LlmRequest.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<LlmJob, dev.sluice.avro.LlmJob> jobs() {
        return serde(dev.sluice.avro.LlmJob.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<LlmResult, dev.sluice.avro.LlmResult> results() {
        return serde(dev.sluice.avro.LlmResult.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<CostEvent, dev.sluice.avro.CostEvent> costEvents() {
        return serde(dev.sluice.avro.CostEvent.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<TenantConfig, dev.sluice.avro.TenantConfig> tenants() {
        return serde(dev.sluice.avro.TenantConfig.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<ApiKey, dev.sluice.avro.ApiKey> apiKeys() {
        return serde(dev.sluice.avro.ApiKey.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<JobStatus, dev.sluice.avro.JobStatus> jobStatus() {
        return serde(dev.sluice.avro.JobStatus.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<TenantSpend, dev.sluice.avro.TenantSpend> spend() {
        return serde(dev.sluice.avro.TenantSpend.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<ProviderBatch, dev.sluice.avro.ProviderBatch> batches() {
        return serde(
                dev.sluice.avro.ProviderBatch.class, AvroMapping::toAvro, AvroMapping::fromAvro, Integer.MAX_VALUE);
    }

    /** Dead letters put back on their topics, for {@code sluice dlq}. */
    public ModelSerde<Feedback, dev.sluice.avro.Feedback> feedback() {
        return serde(dev.sluice.avro.Feedback.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<DeadLetterReplay, dev.sluice.avro.DeadLetterReplay> deadLetterReplays() {
        return serde(dev.sluice.avro.DeadLetterReplay.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<WebhookDelivery, dev.sluice.avro.WebhookDelivery> webhookDeliveries() {
        return serde(dev.sluice.avro.WebhookDelivery.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<DisabledEndpoint, dev.sluice.avro.DisabledEndpoint> disabledEndpoints() {
        return serde(dev.sluice.avro.DisabledEndpoint.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<DeadLetter, dev.sluice.avro.DeadLetter> deadLetters() {
        return serde(dev.sluice.avro.DeadLetter.class, AvroMapping::toAvro, AvroMapping::fromAvro, Integer.MAX_VALUE);
    }
}
