package dev.sluice.sim;

/**
 * The providers' size and count limits on batches (reference sections 2 and 4). Tests pass smaller
 * byte limits so that they need not upload hundreds of megabytes.
 *
 * @param maxUploadBytes OpenAI's general file limit
 * @param maxOpenAiBatchFileBytes a batch input file over this fails validation
 * @param maxAnthropicBatchBytes a create body over this gets 413 {@code request_too_large}
 */
record BatchLimits(long maxUploadBytes, long maxOpenAiBatchFileBytes, long maxAnthropicBatchBytes) {

    static final BatchLimits DEFAULTS = new BatchLimits(512L << 20, 200L << 20, 256L << 20);
}
