package dev.sluice.worker.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.BatchJob;
import dev.sluice.model.LlmJob;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.BatchApi;
import dev.sluice.worker.provider.BatchLineResult;
import dev.sluice.worker.provider.BatchProgress;
import dev.sluice.worker.provider.ProviderException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Asking a provider for a batch: a call whose answer was lost may have created the batch, so it is
 * searched for before the next try, and never created twice.
 */
class BatchSubmissionTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final ModelSpec MODEL = ModelCatalogue.loadDefault().require("gpt-4.1-mini");
    private static final ProviderBatch INTENT =
            ProviderBatch.intent("sb-1", "openai", MODEL.name(), List.of(new BatchJob("r-1", "acme", 0, 0)), NOW);

    /** A provider that fails its first creates as told, and remembers what it created. */
    private static final class Provider implements BatchApi {
        final List<ProviderException> failures = new ArrayList<>();
        final List<String> created = new ArrayList<>();
        boolean createdBeforeFailing;
        int submits;
        int searches;

        @Override
        public String provider() {
            return "openai";
        }

        @Override
        public int maxLines() {
            return 10;
        }

        @Override
        public long maxBytes() {
            return 1000;
        }

        @Override
        public String line(String customId, ModelSpec model, LlmJob job) {
            return customId;
        }

        @Override
        public String submit(String tag, ModelSpec model, List<String> lines) throws ProviderException {
            submits++;
            if (!failures.isEmpty()) {
                if (createdBeforeFailing) {
                    created.add("batch_" + created.size());
                }
                throw failures.removeFirst();
            }
            created.add("batch_" + created.size());
            return created.getLast();
        }

        @Override
        public BatchProgress progress(String providerBatchId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<BatchLineResult> results(BatchProgress ended) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> find(String tag, Instant from, Instant to, int lines, Set<String> taken) {
            searches++;
            return created.stream().filter(id -> !taken.contains(id)).findFirst();
        }
    }

    private static BatchSubmitter.Submission ask(Provider provider) throws InterruptedException {
        return BatchSubmitter.ask(
                provider, MODEL, INTENT, List.of("r-1"), Set::of, Clock.fixed(NOW, ZoneOffset.UTC), millis -> {});
    }

    private static ProviderException timeout() {
        return new ProviderException(0, "timeout", null, "openai did not answer within 600000 ms", true, null);
    }

    @Test
    void shouldAdoptTheBatchACallCreatedBeforeItsAnswerWasLost() throws Exception {
        Provider provider = new Provider();
        provider.createdBeforeFailing = true;
        provider.failures.add(timeout());

        assertThat(ask(provider)).isEqualTo(new BatchSubmitter.Submission.Accepted("batch_0"));
        assertThat(provider.created).containsExactly("batch_0");
        assertThat(provider.submits).isEqualTo(1);
    }

    @Test
    void shouldTryAgainWhenTheFailedCallCreatedNothing() throws Exception {
        Provider provider = new Provider();
        provider.failures.add(timeout());
        provider.failures.add(new ProviderException(503, "server_error", null, "openai: overloaded", true, null));

        assertThat(ask(provider)).isEqualTo(new BatchSubmitter.Submission.Accepted("batch_0"));
        assertThat(provider.submits).isEqualTo(3);
        assertThat(provider.searches).isEqualTo(2);
        assertThat(provider.created).containsExactly("batch_0");
    }

    @Test
    void shouldLeaveItForLaterAfterThreeTriesAndRefuseWhatTheProviderRefuses() throws Exception {
        Provider down = new Provider();
        for (int i = 0; i < 3; i++) {
            down.failures.add(timeout());
        }
        Provider refusing = new Provider();
        refusing.failures.add(
                new ProviderException(413, "request_too_large", null, "anthropic: too large", false, null));

        assertThat(ask(down)).isInstanceOf(BatchSubmitter.Submission.Later.class);
        assertThat(down.submits).isEqualTo(3);
        assertThat(ask(refusing)).isEqualTo(new BatchSubmitter.Submission.Refused("anthropic: too large"));
        assertThat(refusing.submits).isEqualTo(1);
    }
}
