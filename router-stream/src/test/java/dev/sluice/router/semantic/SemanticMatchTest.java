package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticMatchTest {
    private static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();
    private final SemanticMatch match = new SemanticMatch(EMBEDDER);

    private SemanticMatch.Verdict judge(String query, String cached) {
        return match.judge(
                query, EMBEDDER.embed(query), cached, EMBEDDER.embed(cached), SemanticMatch.DEFAULT_THRESHOLD);
    }

    @Test
    void shouldNeverTrustOneWordForAnotherInAnOtherwiseEqualSentence() {
        assertThat(judge(
                                "Set the meeting with the auditors an hour earlier.",
                                "Set the meeting with the auditors an hour later.")
                        .hit())
                .isFalse();
        assertThat(judge("Is the warehouse sale this weekend?", "Is the warehouse sale next weekend?")
                        .hit())
                .isFalse();
    }

    @Test
    void shouldIgnoreArticlesAndPleaseInWhatDiffers() {
        assertThat(judge(
                        "Translate the following sentence into French: the parcel left the depot this morning.",
                        "Please translate the following sentence into French: the parcel left the depot this morning."))
                .satisfies(v -> assertThat(v.hit()).as(v.refusal()).isTrue());
    }

    @Test
    void shouldCompareInstructionsWithTheirSharedDataTakenOut() {
        String note = "we moved last spring and the invoices still go to the old flat near the harbour in leith";
        String[] asked = SemanticMatch.instructions(
                SemanticMatch.words("Extract the customer's city from this note: " + note),
                SemanticMatch.words("In which city does the customer live, according to this note? Note: " + note));

        assertThat(asked)
                .containsExactly(
                        "extract the customer's city from this note TEXT",
                        "in which city does the customer live according to this note note TEXT");
        assertThat(SemanticMatch.instructions(
                        List.of("where", "is", "my", "order"), List.of("what", "is", "my", "order")))
                .as("no run of four shared words: nothing is data")
                .isNull();
    }

    @Test
    void shouldAcceptARewordedInstructionOverTheSameDataButNotAnotherInstruction() {
        String review = "The blender is loud, but it crushes ice in seconds and the jug is easy to clean after use.";
        assertThat(judge(
                        "Is the following review positive, negative or neutral? Review: " + review,
                        "Classify the sentiment of this review as positive, negative or neutral: " + review))
                .satisfies(v -> assertThat(v.hit()).as(v.refusal()).isTrue());
        assertThat(judge(
                                "Translate this review into German: " + review,
                                "Classify the sentiment of this review as positive, negative or neutral: " + review)
                        .hit())
                .isFalse();
    }

    @Test
    void shouldNotAnswerTheSameInstructionOverOtherDataHoweverAlikeTheDataAre() {
        String ask = "Which department should handle this ticket, billing, shipping or support? Ticket: ";
        String[] words = ("order refund invoice parcel delayed damaged customer account billing address shipment"
                        + " warehouse courier payment card subscription renewal discount voucher support agent")
                .split(" ");
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String[] tickets = new String[2];
        for (int t = 0; t < 2; t++) {
            StringBuilder ticket = new StringBuilder();
            for (int w = 0; w < 30; w++) {
                ticket.append(' ').append(words[random.nextInt(words.length)]);
            }
            tickets[t] = ticket.toString().strip();
        }
        // Two tickets of one support queue, in its words: alike as wholes, different as data (bench cost's simple
        // jobs).
        SemanticMatch.Verdict v = judge(ask + tickets[0], ask + tickets[1]);

        assertThat(v.similarity()).isGreaterThan(SemanticMatch.DEFAULT_THRESHOLD);
        assertThat(v.hit()).isFalse();
    }

    @Test
    void shouldTakeTheThingsAShortTextNamesOutBeforeComparingWhatItAsks() {
        assertThat(SemanticMatch.masked("Please end my Premium Plan subscription for order 48213."))
                .isEqualTo("Please end my it subscription for order it.");
        assertThat(judge("Please end my Premium Plan subscription.", "Add Premium Plan to my account.")
                        .hit())
                .as("alike as wholes for the product they name")
                .isFalse();
        assertThat(judge("Which person does Aisha Khan report to?", "Send the report to Aisha Khan.")
                        .hit())
                .isFalse();
        assertThat(judge("What was the reason for the ban on PixelNova?", "Why was PixelNova banned?"))
                .satisfies(v -> assertThat(v.hit()).as(v.refusal()).isTrue());
    }

    @Test
    void shouldNeverAnswerAnOpenQuestionWithTheAnswerToAYesNoQuestion() {
        assertThat(SemanticMatch.asks("Does chocolate cake need eggs?")).isEqualTo(SemanticMatch.Asks.YES_NO);
        assertThat(SemanticMatch.asks("I forgot my password, how can I set a new one?"))
                .isEqualTo(SemanticMatch.Asks.OPEN);
        assertThat(SemanticMatch.asks("Can you ship order 11562 to Lisbon?"))
                .as("a request")
                .isEqualTo(SemanticMatch.Asks.OTHER);
        assertThat(judge("What can I use instead of eggs in chocolate cake?", "Does chocolate cake need eggs?"))
                .satisfies(v -> assertThat(v.refusal()).isEqualTo("another kind of question"));
    }

    @Test
    void shouldCompareAQuestionAndARequestThatNameNothingWithoutTheSubjectTheyShare() {
        assertThat(SemanticMatch.sharedMasked(
                        "What can I use instead of eggs in risotto?", "Give me a recipe for risotto."))
                .isEqualTo("what can i use instead of eggs in it");
        assertThat(judge("What can I use instead of eggs in risotto?", "Give me a recipe for risotto.")
                        .hit())
                .isFalse();
        assertThat(judge(
                        "Explain eigenvalues in simple terms.",
                        "Give me a plain-language explanation of what eigenvalues are."))
                .as("asked the same way: alike as wholes")
                .satisfies(v -> assertThat(v.hit()).as(v.refusal()).isTrue());
    }
}
