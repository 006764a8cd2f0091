package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SemanticGuardTest {
    private final SemanticGuard guard = new SemanticGuard();

    @Test
    void shouldRefuseWhatEmbeddingsAreKnownToMiss() {
        assertThat(guard.conflict("cancel my order", "don't cancel my order")).isEqualTo("negation");
        assertThat(guard.conflict("Refund $20 for order 48213.", "Refund $200 for order 48213.")).isEqualTo("numbers");
        assertThat(guard.conflict("I ordered two items.", "I ordered three items.")).isEqualTo("numbers");
        assertThat(guard.conflict("Deliver it on Monday.", "Deliver it on Friday.")).isEqualTo("dates");
        assertThat(guard.conflict("Ship the parcel to Paris.", "Ship the parcel to Berlin.")).isEqualTo("names");
        assertThat(guard.conflict("Increase my limit.", "Decrease my limit.")).isEqualTo("opposites");
        assertThat(guard.conflict("Show the cheapest plan.", "Show the most expensive plan.")).isEqualTo("opposites");
    }

    @Test
    void shouldLetThroughTextsThatDifferOnlyInWording() {
        assertThat(guard.conflict("Where is my order 48213?", "What is the status of order 48213?")).isNull();
        assertThat(guard.conflict("Cancel my subscription to Photo Backup.", "Please end my Photo Backup subscription."))
                .isNull();
        assertThat(guard.conflict("I do not want it. It is not mine.", "Not mine, and I don't want it."))
                .as("two negations each").isNull();
    }
}
