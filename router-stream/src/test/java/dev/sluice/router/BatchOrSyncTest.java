package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Role;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.tokens.TokenCounter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchOrSyncTest {
    private static final ModelCatalogue CATALOGUE = ModelCatalogue.loadDefault();
    private static final String SHARED = "You label support tickets. Policy clause. ".repeat(400);
    private static final long T0 = 1_000_000L;

    private final BatchOrSync chooser = new BatchOrSync();

    private static LlmRequest request(List<Message> messages, int maxOutputTokens) {
        LlmRequest r = LlmRequest.of("r", "t", "x", Instant.EPOCH);
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                null,
                null,
                r.priority(),
                null,
                null,
                null,
                messages,
                maxOutputTokens,
                null,
                null,
                null,
                Map.of(),
                r.createdAt());
    }

    private BatchOrSync.Choice choose(String model, List<Message> messages, int maxOutputTokens, long now) {
        LlmRequest r = request(messages, maxOutputTokens);
        return chooser.choose(CATALOGUE.require(model), r, TokenCounter.chatTokens(messages), true, now);
    }

    @Test
    void shouldBatchAJobWithNoSharedPrefixWhichABatchHalves() {
        BatchOrSync.Choice choice = choose("gpt-4.1-nano", List.of(Message.user("Is this about billing?")), 16, T0);

        assertThat(choice.batch()).isTrue();
        assertThat(choice.prefixTokens()).isZero();
        assertThat(choice.batchMicros() * 2).isBetween(choice.syncMicros() - 1, choice.syncMicros() + 1);
    }

    @Test
    void shouldKeepAShortAnswerSyncWhereItsSharedPromptIsReadFromTheCacheAndABatchGetsNoCacheDiscount() {
        List<Message> job = List.of(Message.system(SHARED), Message.user("Is this about billing? 'Charged twice.'"));

        BatchOrSync.Choice first = choose("gpt-4.1-nano", job, 16, T0);
        BatchOrSync.Choice second = choose("gpt-4.1-nano", job, 16, T0 + 60_000);
        BatchOrSync.Choice longAnswer = choose("gpt-4.1-nano", job, 4_000, T0 + 120_000);
        BatchOrSync.Choice later = choose("gpt-4.1-nano", job, 16, T0 + 120_000 + BatchOrSync.WARM_FOR_MS);

        assertThat(first.prefixTokens()).isGreaterThan(2_000);
        assertThat(first.warm())
                .as("never seen: the provider has not cached it")
                .isFalse();
        assertThat(first.batch()).as("cold, a batch halves the whole prompt").isTrue();
        assertThat(second.warm()).isTrue();
        assertThat(second.batch())
                .as("warm: a cache read at a quarter beats a batch at half")
                .isFalse();
        assertThat(second.syncMicros()).isLessThan(second.batchMicros());
        assertThat(longAnswer.batch())
                .as("a long answer: the batch's half-price output wins")
                .isTrue();
        assertThat(later.warm())
                .as("five minutes without it: the provider's cache has let it go")
                .isFalse();
    }

    @Test
    void shouldBatchAnAnthropicJobWhoseCachedPrefixABatchReadsAtHalfTheCacheRate() {
        List<Message> job = List.of(new Message(Role.SYSTEM, SHARED, true), Message.user("Is this about billing?"));
        choose("claude-sonnet-4-5", job, 16, T0);

        BatchOrSync.Choice warm = choose("claude-sonnet-4-5", job, 16, T0 + 1_000);

        assertThat(warm.warm()).isTrue();
        assertThat(warm.batch())
                .as("Anthropic stacks the batch and cache discounts")
                .isTrue();
    }

    @Test
    void shouldSeeNoAnthropicPrefixWithoutATurnMarkedCacheable() {
        ModelSpec sonnet = CATALOGUE.require("claude-sonnet-4-5");
        ModelSpec nano = CATALOGUE.require("gpt-4.1-nano");
        List<Message> plain = List.of(Message.system(SHARED), Message.user("Q?"));

        assertThat(BatchOrSync.prefix(sonnet, plain))
                .as("no breakpoint, no cache")
                .isEmpty();
        assertThat(BatchOrSync.prefix(nano, plain))
                .as("OpenAI caches any long prefix")
                .hasSize(1);
        assertThat(BatchOrSync.prefix(nano, List.of(Message.system(SHARED))))
                .as("the task is never a prefix")
                .isEmpty();
    }

    @Test
    void shouldRememberPrefixesSentSyncSoTheyWarmTheCacheForLaterJobs() {
        List<Message> job = List.of(Message.system(SHARED), Message.user("Q?"));
        ModelSpec nano = CATALOGUE.require("gpt-4.1-nano");
        chooser.choose(nano, request(job, 16), TokenCounter.chatTokens(job), false, T0);

        assertThat(choose("gpt-4.1-nano", job, 16, T0 + 1_000).warm()).isTrue();
        assertThat(choose("gpt-4.1-mini", job, 16, T0 + 1_000).warm())
                .as("another model's cache")
                .isFalse();
    }
}
