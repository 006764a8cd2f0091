package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.ChatProvider;
import dev.sluice.worker.provider.ProviderReply;
import dev.sluice.worker.provider.Providers;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JSON and JSON-schema output: one repair by asking again with what was wrong, then OUTPUT_INVALID. */
class JsonRepairTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00Z");
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"category\":{\"enum\":[\"billing\","
            + "\"other\"]}},\"required\":[\"category\"]}";
    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();
    private final Clock clock = Clock.fixed(T, ZoneOffset.UTC);

    /** Answers in turn and keeps the requests it was sent. */
    private static final class Answers implements ChatProvider {
        final Deque<String> texts;
        final List<LlmRequest> seen = new ArrayList<>();

        Answers(String... texts) {
            this.texts = new ArrayDeque<>(List.of(texts));
        }

        @Override
        public String name() {
            return "openai";
        }

        @Override
        public ProviderReply complete(ModelSpec model, LlmJob job) {
            seen.add(job.request());
            return new ProviderReply(texts.remove(), "stop", new Usage(100, 20, 0, 0), 200, "req");
        }
    }

    private static LlmJob job() {
        LlmRequest r = new LlmRequest(
                "r-1",
                "acme",
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user("Classify: my card was charged twice.")),
                64,
                0.0,
                new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, SCHEMA, "ticket"),
                null,
                Map.of(),
                T);
        return new LlmJob(r, Tier.SMALL, List.of("gpt-4.1-mini", "gpt-4o"), 10, 10, null, null, "", 0, false, false, T);
    }

    @Test
    void shouldAcceptValidOutputWithOneCall() {
        Answers openai = new Answers("{\"category\":\"billing\"}");
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock).run(job());

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(outcome.result().outputJson()).isEqualTo("{\"category\":\"billing\"}");
        assertThat(openai.seen).hasSize(1);
        assertThat(outcome.costs()).hasSize(1);
    }

    @Test
    void shouldRepairOnceByShowingTheModelItsAnswerAndWhatIsWrong() {
        Answers openai = new Answers("The category is billing.", "```json\n{\"category\":\"billing\"}\n```");
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock).run(job());

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(outcome.result().outputJson()).isEqualTo("{\"category\":\"billing\"}");
        assertThat(outcome.result().model()).isEqualTo("gpt-4.1-mini");
        List<Message> repair = openai.seen.get(1).messages();
        assertThat(repair).hasSize(3);
        assertThat(repair.get(1)).isEqualTo(new Message(Role.ASSISTANT, "The category is billing.", false));
        assertThat(repair.get(2).content()).startsWith(JobRunner.REPAIR_PROMPT).contains("not JSON");
        assertThat(outcome.costs()).as("both calls are billed").hasSize(2);
        assertThat(outcome.result().usage()).isEqualTo(new Usage(200, 40, 0, 0));
        assertThat(outcome.result().costMicros())
                .isEqualTo(
                        outcome.costs().stream().mapToLong(c -> c.costMicros()).sum());
        assertThat(outcome.result().attempts()).hasSize(2);
    }

    @Test
    void shouldFailOutputInvalidWhenTheRepairIsWrongTooWithoutTryingAnotherModel() {
        Answers openai = new Answers("{\"category\":\"refund\"}", "{\"category\":\"refund\"}");
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock).run(job());

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.FAILED);
        assertThat(outcome.result().error().code()).isEqualTo(FailureCodes.OUTPUT_INVALID);
        assertThat(outcome.result().error().retryable()).isFalse();
        assertThat(outcome.result().error().message())
                .contains("does not match the JSON schema")
                .contains("category");
        assertThat(openai.seen).as("no third call, no other model").hasSize(2);
        assertThat(outcome.costs()).hasSize(2);
        assertThat(outcome.result().costMicros()).isPositive();
    }
}
