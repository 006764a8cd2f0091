package dev.sluice.worker.provider;

import dev.sluice.model.CostBasis;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.List;

/**
 * Spans of calls to a model, named and described by OpenTelemetry's GenAI semantic conventions:
 * {@code chat <model>}, kind CLIENT, with the provider, the model, the operation and the token
 * usage, plus how the call ended, its HTTP status and what it cost. The usage names are those of
 * the current conventions ({@code gen_ai.usage.cache_read.input_tokens} and
 * {@code gen_ai.usage.cache_creation.input_tokens}; {@code gen_ai.usage.input_tokens} counts them
 * too, as the conventions ask). The provider is written both as {@code gen_ai.provider.name}, its
 * current name, and as {@code gen_ai.system}, the name it had until semantic conventions 1.37 and
 * that many backends still read.
 */
public final class GenAiSpans {
    public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
    public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<Long> REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    public static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<Long> CACHE_READ_TOKENS =
            AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    public static final AttributeKey<Long> CACHE_CREATION_TOKENS =
            AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private GenAiSpans() {}

    /**
     * A span for one call to the model, child of the span current on this thread (the job's),
     * made with that job's telemetry; the caller ends it.
     */
    public static Span call(ModelSpec model, int maxOutputTokens) {
        Telemetry telemetry = Telemetry.current();
        return telemetry.start(
                describe(telemetry.span("chat " + model.name(), SpanKind.CLIENT, Context.current()), model)
                        .setAttribute(REQUEST_MAX_TOKENS, (long) maxOutputTokens));
    }

    /** The GenAI attributes of a call to {@code model} on any span builder (a batch's lines use them too). */
    public static SpanBuilder describe(SpanBuilder builder, ModelSpec model) {
        return builder.setAttribute(OPERATION, "chat")
                .setAttribute(PROVIDER, model.provider())
                .setAttribute(SYSTEM, model.provider())
                .setAttribute(REQUEST_MODEL, model.name());
    }

    /** The model answered: usage, status and what the call costs at {@code basis} prices. */
    public static void answered(Span span, ModelSpec model, ProviderReply reply, CostBasis basis) {
        usage(span, reply.usage());
        span.setAttribute(SluiceAttributes.OUTCOME, "ok")
                .setAttribute(SluiceAttributes.HTTP_STATUS, (long) reply.httpStatus())
                .setAttribute(SluiceAttributes.COST_MICROS, Pricing.costMicros(model, reply.usage(), basis));
        if (reply.providerRequestId() != null) {
            span.setAttribute(RESPONSE_ID, reply.providerRequestId());
        }
        if (reply.finishReason() != null) {
            span.setAttribute(FINISH_REASONS, List.of(reply.finishReason()));
        }
    }

    /** The call failed: its outcome (rate_limited, server_error, timeout...) and HTTP status when one came. */
    public static void failed(Span span, ProviderException e) {
        span.setStatus(StatusCode.ERROR, e.outcome())
                .setAttribute(SluiceAttributes.OUTCOME, e.outcome())
                .setAttribute(ERROR_TYPE, e.status() == 0 ? e.outcome() : Integer.toString(e.status()));
        if (e.status() != 0) {
            span.setAttribute(SluiceAttributes.HTTP_STATUS, (long) e.status());
        }
    }

    public static void usage(Span span, Usage usage) {
        span.setAttribute(INPUT_TOKENS, usage.totalInputTokens())
                .setAttribute(OUTPUT_TOKENS, usage.outputTokens())
                .setAttribute(CACHE_READ_TOKENS, usage.cachedInputTokens())
                .setAttribute(CACHE_CREATION_TOKENS, usage.cacheWriteTokens());
    }
}
