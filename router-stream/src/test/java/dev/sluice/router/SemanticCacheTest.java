package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache in the router, with the in-process model: a request that means the same as
 * an answered one of the same tenant and scope takes its answer; nothing else does.
 */
class SemanticCacheTest {
    private static final String ASKED = "When will order 48213 arrive in Paris?";
    private static final String PARAPHRASE = "How long until order 48213 gets to Paris?";
    private static final String SYSTEM = "You are the support assistant of a web shop. Answer in one sentence.";

    private RouterHarness h = new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
    }

    static TenantConfig semantic(String id, boolean on, long ttlSeconds, Tier defaultTier) {
        TenantConfig base = tenant(id);
        TenantConfig.CachePolicy cache = new TenantConfig.CachePolicy(true, false, ttlSeconds);
        return new TenantConfig(
                id,
                null,
                null,
                null,
                null,
                null,
                defaultTier,
                base.webhooks(),
                null,
                on ? cache.withSemantic() : cache,
                null,
                3600,
                1,
                RouterHarness.T0);
    }

    private static TenantConfig semantic(String id) {
        return semantic(id, true, 3600, Tier.MEDIUM);
    }

    private LlmJob answered(String id, String tenant, String system, String prompt, String output) {
        h.send(build(id, tenant)
                .messages(Message.system(system), Message.user(prompt))
                .temperature(0.0)
                .done());
        LlmJob job = h.jobs().getFirst();
        h.result(RouterHarness.succeeded(job, output, 1234));
        return job;
    }

    private void ask(String id, String tenant, String system, String prompt) {
        h.send(build(id, tenant)
                .messages(Message.system(system), Message.user(prompt))
                .temperature(0.0)
                .done());
    }

    @Test
    void shouldAnswerAParaphraseOfAnAnsweredRequestWithItsAnswerAtNoCost() {
        h.tenant(semantic("acme"));
        answered("first", "acme", SYSTEM, ASKED, "Order 48213 ships tomorrow.");

        ask("second", "acme", SYSTEM, PARAPHRASE);

        assertThat(h.jobs()).as("no provider call for the paraphrase").isEmpty();
        assertThat(h.completions()).singleElement().satisfies(hit -> {
            assertThat(hit.requestId()).isEqualTo("second");
            assertThat(hit.cacheHit()).isEqualTo(CacheHit.SEMANTIC);
            assertThat(hit.status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(hit.output()).isEqualTo("Order 48213 ships tomorrow.");
            assertThat(hit.costMicros()).isZero();
        });
    }

    @Test
    void shouldNotAnswerARequestThatAsksForSomethingElse() {
        h.tenant(semantic("acme"));
        answered("cancel", "acme", SYSTEM, "Cancel my order 48213.", "Cancelled.");
        answered("other-order", "acme", SYSTEM, "What is the status of order 48213?", "Ships tomorrow.");

        ask("keep", "acme", SYSTEM, "Don't cancel my order 48213.");
        ask("number", "acme", SYSTEM, "What is the status of order 90017?");

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("keep", "number");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldLookPastNearCopiesThatDifferInANumberToFindTheRequestAParaphraseMeans() {
        String[][] tickets = {
            {
                "My invoice shows two charges for the same order, please refund one.",
                "There are two charges for the same order on my invoice, please refund one."
            },
            {
                "How do I rotate the API key for our staging environment?",
                "Our staging environment needs its API key rotated: how is that done?"
            },
            {
                "We need an audit trail of every permission change for our compliance review.",
                "For our compliance review we need an audit trail of every permission change."
            },
        };
        for (int t = 0; t < tickets.length; t++) {
            String tenant = "acme" + t;
            h.tenant(semantic(tenant));
            // As in the demo: the same ticket under other numbers, answered before the one reworded.
            for (int n : new int[] {4, 64, 124, 184}) {
                answered(
                        tenant + "-" + n,
                        tenant,
                        SYSTEM,
                        "Ticket #miuv5gcg-" + n + ": " + tickets[t][0],
                        "answer " + n);
            }

            ask(tenant + "-reworded", tenant, SYSTEM, "Ticket #miuv5gcg-124: " + tickets[t][1]);

            assertThat(h.jobs()).as(tickets[t][1]).isEmpty();
            assertThat(h.completions()).singleElement().satisfies(hit -> {
                assertThat(hit.cacheHit()).isEqualTo(CacheHit.SEMANTIC);
                assertThat(hit.output()).isEqualTo("answer 124");
            });
        }
    }

    @Test
    void shouldNeverAnswerOneTenantWithAnothersEntryNorATenantThatDidNotAskForIt() {
        h.tenant(semantic("acme")).tenant(semantic("globex")).tenant(semantic("initech", false, 3600, Tier.MEDIUM));
        answered("a", "acme", SYSTEM, ASKED, "acme's answer");

        ask("g", "globex", SYSTEM, PARAPHRASE);
        ask("i", "initech", SYSTEM, PARAPHRASE);

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("g", "i");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldCompareOnlyRequestsOfTheSameSystemPromptParametersAndModelChain() {
        h.tenant(semantic("acme"));
        answered("first", "acme", SYSTEM, ASKED, "Ships tomorrow.");

        ask("other-system", "acme", SYSTEM + " Reply in French.", PARAPHRASE);
        h.send(build("other-length", "acme")
                .messages(Message.system(SYSTEM), Message.user(PARAPHRASE))
                .maxOutputTokens(1000)
                .temperature(0.0)
                .done());
        h.tenant(semantic("acme", true, 3600, Tier.LARGE));
        ask("other-chain", "acme", SYSTEM, PARAPHRASE);

        assertThat(h.jobs())
                .extracting(LlmJob::requestId)
                .containsExactly("other-system", "other-length", "other-chain");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldAnswerAParaphraseArrivingWhileTheOriginalRunsOnceItIsAnswered() {
        h.tenant(semantic("acme"));
        ask("first", "acme", SYSTEM, ASKED);
        LlmJob first = h.jobs().getFirst();

        ask("while-running", "acme", SYSTEM, PARAPHRASE);
        assertThat(h.jobs())
                .as("it waits for the first instead of calling a provider")
                .isEmpty();
        assertThat(h.completions()).isEmpty();
        h.result(RouterHarness.succeeded(first, "Ships tomorrow.", 10));

        assertThat(h.completions()).singleElement().satisfies(hit -> {
            assertThat(hit.requestId()).isEqualTo("while-running");
            assertThat(hit.cacheHit()).isEqualTo(CacheHit.SEMANTIC);
            assertThat(hit.output()).isEqualTo("Ships tomorrow.");
            assertThat(hit.costMicros()).isZero();
        });
    }

    @Test
    void shouldMakeAWaitingParaphraseAJobOfItsOwnWhenTheOriginalFails() {
        h.tenant(semantic("acme"));
        ask("first", "acme", SYSTEM, ASKED);
        LlmJob first = h.jobs().getFirst();
        ask("while-running", "acme", SYSTEM, PARAPHRASE);

        h.result(RouterHarness.failed(first));
        assertThat(h.jobs())
                .as("the waiting paraphrase became a job")
                .extracting(LlmJob::requestId)
                .containsExactly("while-running");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldLeaveToTheExactCacheATaskLongerThanTheModelReads() {
        h.tenant(semantic("acme"));
        String head = "Summarise this support thread for the weekly report. " + "The customer wrote again about"
                + " the parcel that the courier left at the wrong address last week. ".repeat(8);
        answered("first", "acme", SYSTEM, head + "They want a refund of the delivery fee.", "Summary one.");

        ask("other-tail", "acme", SYSTEM, head + "They ask us to close their account.");

        assertThat(h.jobs())
                .as("the texts differ only beyond the model's 128 word pieces")
                .extracting(LlmJob::requestId)
                .containsExactly("other-tail");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldForgetAnEntryWhenTheTenantsCacheTtlPasses() {
        h.tenant(semantic("acme", true, 60, Tier.MEDIUM));
        answered("first", "acme", SYSTEM, ASKED, "Ships tomorrow.");

        h.advance(Duration.ofSeconds(61));
        ask("late", "acme", SYSTEM, PARAPHRASE);

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("late");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldFindItsEntriesAgainAfterARestartFromTheChangelogsAlone() {
        h.tenant(semantic("acme"));
        answered("first", "acme", SYSTEM, ASKED, "Ships tomorrow.");

        h = h.restartFromChangelogs(Duration.ofHours(24), Duration.ofMinutes(2));
        h.tenant(semantic("acme"));
        ask("after-restart", "acme", SYSTEM, PARAPHRASE);

        assertThat(h.jobs()).isEmpty();
        assertThat(h.completions()).extracting(LlmResult::cacheHit).containsExactly(CacheHit.SEMANTIC);
    }
}
