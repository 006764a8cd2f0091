package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.streams.UnanswerableRecord;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** The stateless steps as processors: they read the tenants' global store and the task's clock. */
final class Steps {
    private Steps() {
    }

    /** validate: the basics and the tenant's policy. */
    static final class Validate extends ContextualFixedKeyProcessor<String, LlmRequest, Verdict> {
        private final RouterRules rules;
        private Validator validator;

        Validate(RouterRules rules) {
            this.rules = rules;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Verdict> context) {
            super.init(context);
            validator = new Validator(rules.catalogue(), new TenantLookup(context), rules.maxMessageChars(),
                    rules.requestLimits());
        }

        @Override
        public void process(FixedKeyRecord<String, LlmRequest> record) {
            Header source = record.headers().lastHeader(SOURCE_TENANT);
            String sourceTenant = source == null ? null : new String(source.value(), StandardCharsets.UTF_8);
            context().forward(record.withValue(validator.check(record.value(), sourceTenant,
                    context().currentSystemTimeMs())));
        }
    }

    /**
     * The header in which {@link Screen} passes on the tenant whose own request topic a request came
     * on, to {@link Validate}. Whatever a producer put there is removed first.
     */
    static final String SOURCE_TENANT = "sluice.source.tenant";

    /**
     * screen: a record with no one to answer (a tombstone; a tenantId or requestId missing, or too
     * long to address a result to) becomes a dead letter with its original bytes, before it is
     * keyed, repartitioned or answered. Everything else goes on, to be validated and answered; a
     * request from a tenant's own topic carries that tenant in {@link #SOURCE_TENANT}.
     */
    static final class Screen extends ContextualFixedKeyProcessor<String, LlmRequest, LlmRequest> {
        private final Topics topics;

        Screen(Topics topics) {
            this.topics = topics;
        }

        @Override
        public void process(FixedKeyRecord<String, LlmRequest> record) {
            record.headers().remove(SOURCE_TENANT);
            context().recordMetadata().flatMap(m -> topics.tenantOfRequestTopic(m.topic())).ifPresent(tenant ->
                    record.headers().add(SOURCE_TENANT, tenant.getBytes(StandardCharsets.UTF_8)));
            LlmRequest r = record.value();
            if (r == null) {
                throw new UnanswerableRecord("a tombstone (null value) on a request topic is not a request;"
                        + " produce an LlmRequest");
            }
            if (RequestLimits.idTooLong(r.tenantId()) || RequestLimits.idTooLong(r.requestId())) {
                throw new UnanswerableRecord("tenantId (" + r.tenantId().length() + " characters) or requestId ("
                        + r.requestId().length() + ") is longer than " + RequestLimits.MAX_ID_CHARS
                        + "; no result can be addressed to it");
            }
            context().forward(record);
        }
    }

    /** enrich: plan the accepted request as a job. */
    static final class Enrich extends ContextualFixedKeyProcessor<String, Verdict, RouterInput> {
        private final JobPlanner planner;

        Enrich(ModelCatalogue catalogue) {
            this.planner = new JobPlanner(catalogue);
        }

        @Override
        public void process(FixedKeyRecord<String, Verdict> record) {
            context().forward(record.withValue(new RouterInput.Request(
                    planner.plan(record.value(), context().currentSystemTimeMs()))));
        }
    }
}
