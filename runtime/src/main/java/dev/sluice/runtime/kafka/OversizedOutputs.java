package dev.sluice.runtime.kafka;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.schemas.serde.RecordRefused;
import dev.sluice.schemas.serde.RecordTooLargeForTopic;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What replaces a record too large for its topic, so that its request still ends with a result:
 * a result is written again without its output and metadata (FAILED {@value #OUTPUT_TOO_LARGE} if
 * it had succeeded; its cost stays, the calls were billed); a request or a job becomes the
 * request's REJECTED result ({@link RequestLimits#REQUEST_TOO_LARGE}) on llm.completions. Other
 * records have nothing to replace them; their input is dead-lettered.
 */
public final class OversizedOutputs {
    public static final String OUTPUT_TOO_LARGE = "OUTPUT_TOO_LARGE";
    /** A record the broker refused for another reason than its size (an invalid record, a topic's own rule). */
    public static final String RECORD_REFUSED = "RECORD_REFUSED";

    private final Topics topics;
    private final Serializer<LlmResult> results;

    public OversizedOutputs(Topics topics, SluiceSerdes serdes) {
        this.topics = topics;
        this.results = serdes.results().serializer();
    }

    /**
     * The bytes of {@code result} for {@code topic}, or, when it is too large, those of its lean form
     * ({@link #shrink}); {@code shrunk} is told when that happened. For services that write results
     * with a plain producer: a FAILED result in place of one that would not fit, never a failed send.
     */
    /**
     * Whether the broker refused a record for something about that record alone (its size, its
     * contents), so that replacing it lets the next ones through. Anything else (not authorised, an
     * unsupported version, a fenced producer) is about the service and would refuse every record:
     * that must stop it, loudly, rather than dead-letter all its work.
     */
    public static boolean refusedForThisRecordOnly(Throwable cause) {
        return cause instanceof org.apache.kafka.common.errors.RecordTooLargeException
                || cause instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                || cause instanceof org.apache.kafka.common.InvalidRecordException;
    }

    public static byte[] fitting(
            Serializer<LlmResult> serializer, String topic, LlmResult result, Consumer<RecordTooLargeForTopic> shrunk) {
        try {
            return serializer.serialize(topic, result);
        } catch (RecordTooLargeForTopic e) {
            shrunk.accept(e);
            return serializer.serialize(topic, shrink(result, e));
        }
    }

    /** The result without its bulk, saying why. */
    public static LlmResult shrink(LlmResult r, RecordTooLargeForTopic e) {
        return r.withoutBulk(
                OUTPUT_TOO_LARGE,
                "the result was " + e.size() + " bytes, over the " + e.limit() + "-byte record limit of " + e.topic()
                        + "; its output and metadata were dropped");
    }

    /** The REJECTED result of a request that cannot travel as a record. */
    public static LlmResult rejected(LlmRequest r, RecordTooLargeForTopic e, Instant at) {
        String why = "the request, as a record for " + e.topic() + ", is " + e.size() + " bytes; at most " + e.limit()
                + " fit";
        return LlmResult.rejected(r, RequestLimits.REQUEST_TOO_LARGE, why, at)
                .withoutBulk(RequestLimits.REQUEST_TOO_LARGE, why);
    }

    /**
     * The records that replace {@code value} (a record for {@code e.topic()} that did not fit), with
     * the original's trace header alone (any other may be what made it too large); empty when
     * nothing replaces it, or the replacement would not fit either.
     */
    public List<ProducerRecord<byte[], byte[]>> replace(
            Object value, RecordTooLargeForTopic e, Headers headers, Instant at) {
        return replace(value, e.topic(), r -> shrink(r, e), r -> rejected(r, e, at), headers);
    }

    /**
     * The records that replace {@code value}, a record the broker refused for good when it was sent
     * before: as for one too large ({@code OUTPUT_TOO_LARGE}, {@code REQUEST_TOO_LARGE}) when the
     * broker said so, else with {@value #RECORD_REFUSED}.
     */
    public List<ProducerRecord<byte[], byte[]>> replace(Object value, RecordRefused e, Headers headers, Instant at) {
        String why = e.getMessage();
        String resultCode = e.forSize() ? OUTPUT_TOO_LARGE : RECORD_REFUSED;
        String requestCode = e.forSize() ? RequestLimits.REQUEST_TOO_LARGE : RECORD_REFUSED;
        return replace(
                value,
                e.topic(),
                r -> r.withoutBulk(
                        resultCode, "the result was not written (" + why + "); its output and metadata were dropped"),
                r -> LlmResult.rejected(r, requestCode, "the request, as a record, was not written (" + why + ")", at)
                        .withoutBulk(requestCode, why),
                headers);
    }

    private List<ProducerRecord<byte[], byte[]>> replace(
            Object value,
            String refusedTopic,
            UnaryOperator<LlmResult> shrink,
            Function<LlmRequest, LlmResult> reject,
            Headers headers) {
        LlmResult replacement;
        String topic;
        switch (value) {
            case LlmResult r -> {
                replacement = shrink.apply(r);
                topic = refusedTopic;
            }
            case LlmJob j -> {
                replacement = reject.apply(j.request());
                topic = topics.completions();
            }
            case LlmRequest r -> {
                replacement = reject.apply(r);
                topic = topics.completions();
            }
            case null, default -> {
                return List.of();
            }
        }
        if (RequestLimits.idTooLong(replacement.tenantId()) || RequestLimits.idTooLong(replacement.requestId())) {
            return List.of();
        }
        try {
            RecordHeaders trace = new RecordHeaders();
            String traceparent = Tracing.from(headers);
            if (Tracing.isValid(traceparent)) {
                Tracing.put(trace, traceparent);
            }
            return List.of(new ProducerRecord<>(
                    topic,
                    null,
                    replacement.tenantId().getBytes(StandardCharsets.UTF_8),
                    results.serialize(topic, replacement),
                    trace));
        } catch (SerializationException stillTooLarge) {
            return List.of();
        }
    }
}
