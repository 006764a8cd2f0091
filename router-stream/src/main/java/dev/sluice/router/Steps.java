package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.catalogue.ModelCatalogue;
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
            validator = new Validator(rules.catalogue(), new TenantLookup(context), rules.maxMessageChars());
        }

        @Override
        public void process(FixedKeyRecord<String, LlmRequest> record) {
            context().forward(record.withValue(validator.check(record.value(), context().currentSystemTimeMs())));
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
