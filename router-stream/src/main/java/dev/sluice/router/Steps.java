package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.EmbedAhead;
import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.router.semantic.SemanticQuery;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.streams.UnanswerableRecord;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** The stateless steps as processors: they read the tenants' global store and the task's clock. */
final class Steps {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Steps.class);

    private Steps() {}

    /**
     * validate: the basics and the tenant's policy. A refusal is the router's decision for the
     * request: it gets a {@code router validate} span, whose context its completion carries.
     */
    static final class Validate extends ContextualFixedKeyProcessor<String, LlmRequest, Verdict> {
        private final RouterRules rules;
        private final Telemetry telemetry;
        private Validator validator;

        Validate(RouterRules rules, Telemetry telemetry) {
            this.rules = rules;
            this.telemetry = telemetry;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Verdict> context) {
            super.init(context);
            validator = new Validator(
                    rules.catalogue(), new TenantLookup(context), rules.maxMessageChars(), rules.requestLimits());
        }

        @Override
        public void process(FixedKeyRecord<String, LlmRequest> record) {
            Header claimed = record.headers().lastHeader(CLAIMED_TENANT);
            String claimedTenant = claimed == null ? null : new String(claimed.value(), StandardCharsets.UTF_8);
            Verdict verdict =
                    validator.check(record.value(), claimedTenant, context().currentSystemTimeMs());
            if (verdict.accepted()) {
                context().forward(record.withValue(verdict));
                return;
            }
            Span span = telemetry.start(telemetry
                    .span("router validate", SpanKind.INTERNAL, Tracing.extract(record.headers()))
                    .setAttribute(SluiceAttributes.REQUEST_ID, verdict.request().requestId())
                    .setAttribute(SluiceAttributes.TENANT_ID, verdict.request().tenantId())
                    .setAttribute(SluiceAttributes.DECISION, "complete")
                    .setAttribute(SluiceAttributes.STATUS, verdict.refusal().name())
                    .setAttribute(SluiceAttributes.REASON, verdict.code()));
            Headers headers = new RecordHeaders(record.headers().toArray());
            Tracing.inject(span.getSpanContext(), headers);
            span.end();
            context().forward(record.withValue(verdict).withHeaders(headers));
        }
    }

    /**
     * The header in which {@link Screen} tells {@link Validate} that a request on a tenant's own
     * topic named another tenant, the one it names. Whatever a producer put there is removed first.
     */
    static final String CLAIMED_TENANT = "sluice.claimed.tenant";

    /**
     * The headers a request's records carry on: trace context, each at most 512 bytes (W3C's own
     * bound for tracestate). Any other header a producer sets is dropped at the screen, so no header
     * can make a job, a result or a dead letter too large.
     */
    static final java.util.Set<String> KEPT_HEADERS = java.util.Set.of("traceparent", "tracestate");

    private static final int MAX_KEPT_HEADER_BYTES = 512;

    /**
     * screen, before a request is keyed, repartitioned or answered:
     * <ul>
     *   <li>a record with no one to answer (a tombstone; a tenantId or requestId too long to
     *       address a result to) becomes a dead letter with its original bytes;</li>
     *   <li>only trace headers go on ({@link #KEPT_HEADERS});</li>
     *   <li>a request on a tenant's own topic that names another tenant goes on as the topic
     *       tenant's, without its bulk or webhook, marked {@link #CLAIMED_TENANT} for validation to
     *       refuse: nothing it carries is ever answered to, keyed by or charged to the tenant it
     *       names.</li>
     * </ul>
     */
    static final class Screen extends ContextualFixedKeyProcessor<String, LlmRequest, LlmRequest> {
        private final Topics topics;

        Screen(Topics topics) {
            this.topics = topics;
        }

        @Override
        public void process(FixedKeyRecord<String, LlmRequest> record) {
            for (Header h : record.headers().toArray()) {
                if (!KEPT_HEADERS.contains(h.key()) || h.value() == null || h.value().length > MAX_KEPT_HEADER_BYTES) {
                    record.headers().remove(h.key());
                }
            }
            LlmRequest r = record.value();
            if (r == null) {
                throw new UnanswerableRecord(
                        "a tombstone (null value) on a request topic is not a request;" + " produce an LlmRequest");
            }
            if (RequestLimits.idTooLong(r.tenantId()) || RequestLimits.idTooLong(r.requestId())) {
                throw new UnanswerableRecord("tenantId (" + r.tenantId().length() + " characters) or requestId ("
                        + r.requestId().length() + ") is longer than " + RequestLimits.MAX_ID_CHARS
                        + "; no result can be addressed to it");
            }
            String topicTenant = context()
                    .recordMetadata()
                    .flatMap(m -> topics.tenantOfRequestTopic(m.topic()))
                    .orElse(null);
            if (topicTenant != null && !topicTenant.equals(r.tenantId())) {
                record.headers().add(CLAIMED_TENANT, r.tenantId().getBytes(StandardCharsets.UTF_8));
                context().forward(record.withValue(Validator.as(Validator.lean(r), topicTenant)));
                return;
            }
            context().forward(record);
        }
    }

    /**
     * enrich: plans each accepted request as a job and, for a tenant with the semantic cache on,
     * embeds its task text, so the lookup in {@code decide} only compares vectors. The embedding is
     * usually made ahead, on an embed-ahead thread, from the poll that fetched the record
     * ({@link EmbedAheadFeed}); when it is not there yet, it is made here, on the stream thread of
     * the tenant's partition, and delays the requests behind it. The stream thread's time on it is
     * measured ({@code sluice_router_semantic_embed_seconds}), and tenants without the semantic
     * cache never embed (docs/adr/0018-semantic-cache.md).
     */
    static final class Enrich extends ContextualFixedKeyProcessor<String, Verdict, RouterInput> {
        private final JobPlanner planner;
        private final SemanticCache semantic;
        private final EmbedAheadFeed ahead;
        private final java.util.Set<String> unknownEmbedderLogged = new java.util.HashSet<>();

        Enrich(RouterRules rules, EmbedAheadFeed ahead) {
            this.planner = new JobPlanner(rules.catalogue());
            this.semantic = rules.semantic();
            this.ahead = ahead;
        }

        @Override
        public void process(FixedKeyRecord<String, Verdict> record) {
            Planned planned = planner.plan(record.value(), context().currentSystemTimeMs());
            context().forward(record.withValue(new RouterInput.Request(withSemantic(planned))));
        }

        private Planned withSemantic(Planned p) {
            TenantConfig.CachePolicy policy = p.tenant().cache();
            LlmJob job = p.job();
            if (ahead != null) {
                ahead.tenant(job.tenantId(), policy);
            }
            if (!p.cacheable() || !policy.semantic() || job.cacheKey() == null) {
                return p;
            }
            String text = CacheKeys.taskText(job.request());
            if (text.isBlank()) {
                return p;
            }
            String embedder = policy.semanticEmbedder();
            if (!semantic.has(embedder)) {
                if (unknownEmbedderLogged.add(job.tenantId() + "/" + embedder)) {
                    log.warn(
                            "Semantic cache off for tenant {}: it names the embedder '{}', which this router is not"
                                    + " configured with (router.semantic.openai.api.key); its requests get the exact cache only",
                            job.tenantId(),
                            embedder);
                }
                return p;
            }
            SemanticQuery query;
            try {
                String scope = CacheKeys.semanticScope(
                        job.tenantId(), job.modelChain(), job.request(), semantic.modelId(embedder));
                long start = System.nanoTime();
                EmbedAhead.Embedding made = ahead == null
                        ? null
                        : context()
                                .recordMetadata()
                                .map(at -> ahead.take(at, embedder, text))
                                .orElse(null);
                EmbedAhead.Embedding embedding = made != null ? made : semantic.embed(embedder, text);
                query = semantic.query(
                        job.tenantId(),
                        scope,
                        policy.semanticThreshold(),
                        embedding,
                        System.nanoTime() - start,
                        made != null);
            } catch (SemanticCache.EmbedderPaused paused) {
                return p;
            } catch (RuntimeException e) {
                // The exact cache still applies; a model that cannot run must not stop the router.
                log.warn(
                        "Semantic cache skipped for request {} of tenant {}: the embedding failed ({})",
                        job.requestId(),
                        job.tenantId(),
                        e.toString());
                return p;
            }
            return query == null ? p : p.with(query);
        }
    }
}
