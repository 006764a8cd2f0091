package dev.sluice.worker.provider;

import dev.sluice.model.Usage;

/** A provider's answer to one call: the text, why it stopped, usage, and the provider's request id. */
public record ProviderReply(String text, String finishReason, Usage usage, int httpStatus, String providerRequestId) {
}
