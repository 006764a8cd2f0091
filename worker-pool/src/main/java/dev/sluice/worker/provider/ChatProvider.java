package dev.sluice.worker.provider;

import dev.sluice.model.LlmJob;
import dev.sluice.runtime.catalogue.ModelSpec;

/** One provider's chat API. Implementations are thread-safe and called from many virtual threads. */
public interface ChatProvider extends AutoCloseable {
    /** The provider name used in the model catalogue. */
    String name();

    ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException;

    /** Closes its idle connections; calls after it fail. */
    @Override
    default void close() {}
}
