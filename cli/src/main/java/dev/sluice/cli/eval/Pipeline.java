package dev.sluice.cli.eval;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import java.util.concurrent.CompletableFuture;

/** Where an eval sends its requests: Sluice itself ({@link KafkaPipeline}), so its cache, routing and budgets apply. */
interface Pipeline extends AutoCloseable {
    /** Submits the request; the future completes with its result when one is published. */
    CompletableFuture<LlmResult> submit(LlmRequest request);

    @Override
    void close();
}
