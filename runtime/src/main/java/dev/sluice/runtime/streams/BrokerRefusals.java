package dev.sluice.runtime.streams;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.schemas.serde.OutputGuard;
import dev.sluice.schemas.serde.RecordRefused;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The records the broker refused for good, remembered so that they are replaced when made again.
 *
 * <p>Under exactly_once_v2 a send the broker refuses (a topic whose own max.message.bytes is lower
 * than the record, an invalid record) makes the whole transaction abortable: nothing can be
 * written in it any more, whatever the production handler answers, and the stream thread dies.
 * So the handler remembers the refused record here, the thread is replaced (the transaction aborts,
 * the task goes back to its last commit), and when processing makes the record again, the guarded
 * serializer throws {@link RecordRefused}: the production handler then replaces it (a result
 * without its output, the request's REJECTED result) and dead-letters the input, in the new
 * transaction, as it does a record too large for {@code topics.max.record.bytes}.
 *
 * <p>A record is known again by its topic and, for a request, job or result, its tenant and
 * requestId (a router job is made again with a new routedAt); any other by its bytes. What replaced
 * a refused record, refused in turn, leaves only the dead letter. At most {@value #KEPT} refusals
 * are kept, oldest forgotten first: a request refused long ago and sent again with the same id is
 * tried again.
 */
public final class BrokerRefusals implements OutputGuard {
    static final int KEPT = 1_000;

    /** What the broker said, and whether a replacement may still be tried. */
    record Refusal(String topic, String error, String message, boolean replaceable) {
        RecordRefused exception() {
            return new RecordRefused(topic, error, message, replaceable);
        }
    }

    /** Whether processing may go on after a refusal, by replacing the thread. */
    enum Outcome {
        REPLACE_THREAD,
        CANNOT_CONTINUE
    }

    private final Map<String, Deserializer<?>> decoders = new ConcurrentHashMap<>();
    private final Set<String> refusedTopics = ConcurrentHashMap.newKeySet();
    private final Map<String, Refusal> refused = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Refusal> eldest) {
            return size() > KEPT;
        }
    });
    /** The broker errors that ended a thread, so that its death is known for one to replace. */
    private final Set<Throwable> causes = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    @Override
    public void check(String topic, Object value, byte[] bytes, Deserializer<?> decoder) {
        decoders.putIfAbsent(topic, decoder);
        if (!refusedTopics.contains(topic)) {
            // Every write but those to a topic that refused something: no lock, no hash.
            return;
        }
        Refusal r = refused.get(identity(topic, value, bytes));
        if (r != null) {
            throw r.exception();
        }
    }

    /**
     * Remembers a record the broker refused. {@link Outcome#CANNOT_CONTINUE} when it was refused
     * before and already stood for nothing but its dead letter: made again, it was not replaced,
     * so it was not made by a guarded serializer and would be refused forever.
     */
    Outcome refuse(ProducerRecord<byte[], byte[]> record, Exception error) {
        String id = identity(record.topic(), decode(record), record.value());
        synchronized (refused) {
            Refusal before = refused.get(id);
            if (before != null && !before.replaceable()) {
                return Outcome.CANNOT_CONTINUE;
            }
            // Known and replaceable: its replacement (written under the same identity) was refused.
            refusedTopics.add(record.topic());
            refused.put(
                    id,
                    new Refusal(
                            record.topic(),
                            error.getClass().getName(),
                            String.valueOf(error.getMessage()),
                            before == null));
        }
        causes.add(error);
        return Outcome.REPLACE_THREAD;
    }

    /** True when the broker refused this record before: a replacement that would be refused again. */
    boolean refuses(ProducerRecord<byte[], byte[]> record) {
        return !refused.isEmpty() && refused.containsKey(identity(record.topic(), decode(record), record.value()));
    }

    /** True when a stream thread's {@code death} came from a refusal remembered here. */
    boolean caused(Throwable death) {
        for (Throwable t = death; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (causes.contains(t)) {
                return true;
            }
        }
        return false;
    }

    private Object decode(ProducerRecord<byte[], byte[]> record) {
        Deserializer<?> decoder = decoders.get(record.topic());
        if (decoder == null || record.value() == null) {
            return null;
        }
        try {
            return decoder.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String identity(String topic, Object value, byte[] bytes) {
        return switch (value) {
            case LlmResult r -> topic + "\n" + r.tenantId() + "\n" + r.requestId();
            case LlmJob j -> topic + "\n" + j.tenantId() + "\n" + j.requestId();
            case LlmRequest r -> topic + "\n" + r.tenantId() + "\n" + r.requestId();
            case null, default -> topic + "\n#" + sha256(bytes);
        };
    }

    private static String sha256(byte[] bytes) {
        if (bytes == null) {
            return "";
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
