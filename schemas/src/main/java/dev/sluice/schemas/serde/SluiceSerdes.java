package dev.sluice.schemas.serde;

import dev.sluice.model.ApiKey;
import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DisabledEndpoint;
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

/** Serdes of every Sluice record, as plain records, over one registry client. */
public final class SluiceSerdes {
    private final SchemaRegistry registry;
    private final boolean autoRegister;

    public SluiceSerdes(SchemaRegistry registry, boolean autoRegister) {
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    public SluiceSerdes(SchemaRegistry registry) {
        this(registry, true);
    }

    public SchemaRegistry registry() {
        return registry;
    }

    private <M, A extends SpecificRecord> ModelSerde<M, A> serde(Class<A> avro, Function<M, A> to,
            Function<A, M> from) {
        return new ModelSerde<>(new AvroSerializer<>(registry, autoRegister), new AvroDeserializer<>(registry, avro),
                to, from);
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
        return serde(dev.sluice.avro.ProviderBatch.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<WebhookDelivery, dev.sluice.avro.WebhookDelivery> webhookDeliveries() {
        return serde(dev.sluice.avro.WebhookDelivery.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<DisabledEndpoint, dev.sluice.avro.DisabledEndpoint> disabledEndpoints() {
        return serde(dev.sluice.avro.DisabledEndpoint.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }

    public ModelSerde<DeadLetter, dev.sluice.avro.DeadLetter> deadLetters() {
        return serde(dev.sluice.avro.DeadLetter.class, AvroMapping::toAvro, AvroMapping::fromAvro);
    }
}
