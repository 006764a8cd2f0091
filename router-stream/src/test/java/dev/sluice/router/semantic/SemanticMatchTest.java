package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticMatchTest {
    private static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();
    private final SemanticMatch match = new SemanticMatch(EMBEDDER);

    private SemanticMatch.Verdict judge(String query, String cached) {
        return match.judge(query, EMBEDDER.embed(query), cached, EMBEDDER.embed(cached),
                SemanticMatch.DEFAULT_THRESHOLD);
    }

    @Test
    void shouldNeverTrustOneWordForAnotherInAnOtherwiseEqualSentence() {
        assertThat(judge("Set the meeting with the auditors an hour earlier.",
                "Set the meeting with the auditors an hour later.").hit()).isFalse();
        assertThat(judge("Is the warehouse sale this weekend?", "Is the warehouse sale next weekend?").hit()).isFalse();
    }

    @Test
    void shouldIgnoreArticlesAndPleaseInWhatDiffers() {
        assertThat(judge("Translate the following sentence into French: the parcel left the depot this morning.",
                "Please translate the following sentence into French: the parcel left the depot this morning."))
                .satisfies(v -> assertThat(v.hit()).as(v.refusal()).isTrue());
    }

    @Test
    void shouldCompareInstructionsWithTheirSharedDataTakenOut() {
        String note = "we moved last spring and the invoices still go to the old flat near the harbour in leith";
        String[] asked = SemanticMatch.instructions(
                SemanticMatch.words("Extract the customer's city from this note: " + note),
                SemanticMatch.words("In which city does the customer live, according to this note? Note: " + note));

        assertThat(asked).containsExactly("extract the customer's city from this note TEXT",
                "in which city does the customer live according to this note note TEXT");
        assertThat(SemanticMatch.instructions(List.of("where", "is", "my", "order"), List.of("what", "is", "my", "order")))
                .as("no run of four shared words: nothing is data").isNull();
    }

    @Test
    void shouldAcceptARewordedInstructionOverTheSameDataButNotAnotherInstruction() {
        String review = "The blender is loud, but it crushes ice in seconds and the jug is easy to clean after use.";
        assertThat(judge("Is the following review positive, negative or neutral? Review: " + review,
                "Classify the sentiment of this review as positive, negative or neutral: " + review))
                .satisfies(v -> assertThat(v.hit()).as(v.refusal()).isTrue());
        assertThat(judge("Translate this review into German: " + review,
                "Classify the sentiment of this review as positive, negative or neutral: " + review).hit()).isFalse();
    }
}
