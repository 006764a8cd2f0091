package dev.sluice.worker.provider;

import dev.sluice.model.LlmJob;
import dev.sluice.runtime.catalogue.ModelSpec;

/** One provider's chat API. Implementations are thread-safe and called from many virtual threads. */
public interface ChatProvider {
    /** The provider name used in the model catalogue. */
    String name();

    ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException;
}
