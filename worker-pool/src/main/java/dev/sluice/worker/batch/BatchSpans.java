package dev.sluice.worker.batch;

import dev.sluice.model.LlmResult;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.tracing.LogContext;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.worker.provider.GenAiSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One span per job of a provider batch, in the job's own trace: a batch holds jobs of many traces,
 * so its submission ({@code batch submit}) and its collection ({@code batch collect}) appear in
 * each of them, with the batch's id, rather than as one span that belongs to none. The records
 * written for a job (BATCH_SUBMITTED; its completion, cost events or re-driven job) carry its
 * span's context.
 */
final class BatchSpans implements AutoCloseable {
    private final Map<String, Span> spans = new HashMap<>();
    private final String service;

    private BatchSpans(String service) {
        this.service = service;
    }

    /** {@code parents}: each job's trace context by requestId; a job without one starts a trace. */
    static BatchSpans open(
            Telemetry telemetry, String name, ModelSpec model, ProviderBatch batch, Map<String, Context> parents) {
        BatchSpans out = new BatchSpans(telemetry.service());
        batch.jobs()
                .forEach(j -> out.spans.put(
                        j.requestId(),
                        telemetry.start(GenAiSpans.describe(
                                        telemetry.span(
                                                name,
                                                SpanKind.CLIENT,
                                                parents.getOrDefault(j.requestId(), Context.root())),
                                        model)
                                .setAttribute(SluiceAttributes.REQUEST_ID, j.requestId())
                                .setAttribute(SluiceAttributes.TENANT_ID, j.tenantId())
                                .setAttribute(SluiceAttributes.BATCH_ID, batch.batchId())
                                .setAttribute(
                                        "sluice.batch.jobs", (long) batch.jobs().size()))));
        return out;
    }

    /** Each job's traceparent, for the records written for it. */
    Map<String, String> traceparents() {
        Map<String, String> out = new HashMap<>();
        spans.forEach((id, span) -> out.put(id, Tracing.traceparent(span.getSpanContext())));
        return out;
    }

    /** Headers with the job's trace context; none for a job of no span. */
    Headers headers(String requestId) {
        RecordHeaders headers = new RecordHeaders();
        Span span = spans.get(requestId);
        if (span != null) {
            Tracing.inject(span.getSpanContext(), headers);
        }
        return headers;
    }

    /** The job's ids in the log context of this thread, for a line about it, until closed. */
    LogContext logs(String requestId, String tenantId) {
        Span span = spans.get(requestId);
        return LogContext.open(
                service,
                requestId,
                tenantId,
                span == null ? null : span.getSpanContext().getTraceId());
    }

    /** What the provider said to the submission. */
    void submitted(BatchSubmitter.Submission submission) {
        String outcome = switch (submission) {
            case BatchSubmitter.Submission.Accepted a -> {
                spans.values().forEach(s -> s.setAttribute("sluice.provider_batch_id", a.providerBatchId()));
                yield "accepted";
            }
            case BatchSubmitter.Submission.Later l -> "later";
            case BatchSubmitter.Submission.Refused r -> {
                spans.values().forEach(s -> s.setStatus(StatusCode.ERROR, "refused"));
                yield "refused";
            }
        };
        spans.values().forEach(s -> s.setAttribute(SluiceAttributes.OUTCOME, outcome));
    }

    /** What the job's line came to. */
    void decided(String requestId, BatchOutcomes.Decision decision) {
        Span span = spans.get(requestId);
        if (span == null) {
            return;
        }
        switch (decision) {
            case BatchOutcomes.Complete c -> {
                LlmResult r = c.result();
                GenAiSpans.usage(span, r.usage());
                span.setAttribute(SluiceAttributes.STATUS, r.status().name())
                        .setAttribute(SluiceAttributes.COST_MICROS, r.costMicros());
                if (r.error() != null) {
                    span.setAttribute(SluiceAttributes.REASON, r.error().code());
                }
            }
            case BatchOutcomes.Redrive r ->
                span.setAttribute(SluiceAttributes.DECISION, "redrive")
                        .setAttribute(SluiceAttributes.REASON, r.reason());
        }
    }

    void failed(Exception e) {
        spans.values().forEach(s -> s.setStatus(StatusCode.ERROR, e.getClass().getSimpleName()));
    }

    @Override
    public void close() {
        spans.values().forEach(Span::end);
    }
}
