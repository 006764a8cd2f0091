package dev.sluice.worker.provider;

import dev.sluice.model.LlmJob;
import dev.sluice.runtime.catalogue.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One provider's Batch API: each job as a line in its format, submission, progress, the result
 * lines of an ended batch, and finding a batch again by the tag Sluice gave it. Implementations
 * are thread-safe.
 */
public interface BatchApi extends AutoCloseable {
    /** What both providers accept as a custom_id. */
    Pattern SAFE_CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /** The catalogue provider name. */
    String provider();

    /** Closes its idle connections; calls after it fail. */
    @Override
    default void close() {}

    /** Most lines one batch may have. */
    int maxLines();

    /** Most bytes one batch's lines may take, separators included. */
    long maxBytes();

    /** The job as one line of a batch, with {@code customId}; its UTF-8 size counts against {@link #maxBytes()}. */
    String line(String customId, ModelSpec model, LlmJob job);

    /** Submits a batch of lines for {@code model}; returns the provider's batch id. */
    String submit(String tag, ModelSpec model, List<String> lines) throws ProviderException;

    /** Where the provider's batch is. */
    BatchProgress progress(String providerBatchId) throws ProviderException;

    /** Every result line of a batch that has ended, in no particular order. */
    List<BatchLineResult> results(BatchProgress ended) throws ProviderException;

    /**
     * The provider's batch that a submission with {@code tag} created, if there is one; a
     * submission whose answer was lost (a crash between the provider's answer and the record on
     * llm.batches) is found this way. {@code from} and {@code to} bound when it was submitted;
     * batches whose ids are in {@code taken} are on record for other intents and never match.
     */
    Optional<String> find(String tag, Instant from, Instant to, int lines, java.util.Set<String> taken)
            throws ProviderException;

    /**
     * The custom_id of a request: the requestId itself when both providers accept it (letters,
     * digits, {@code _} and {@code -}, at most 64), else a hash of it.
     */
    static String customId(String requestId) {
        if (SAFE_CUSTOM_ID.matcher(requestId).matches()) {
            return requestId;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return "h-" + HexFormat.of().formatHex(hash, 0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
