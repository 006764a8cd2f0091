package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SemanticGuardTest {
    private final SemanticGuard guard = new SemanticGuard();

    @Test
    void shouldRefuseWhatEmbeddingsAreKnownToMiss() {
        assertThat(guard.conflict("cancel my order", "don't cancel my order")).isEqualTo("negation");
        assertThat(guard.conflict("Refund $20 for order 48213.", "Refund $200 for order 48213."))
                .isEqualTo("numbers");
        assertThat(guard.conflict("I ordered two items.", "I ordered three items."))
                .isEqualTo("numbers");
        assertThat(guard.conflict("Deliver it on Monday.", "Deliver it on Friday."))
                .isEqualTo("dates");
        assertThat(guard.conflict("Ship the parcel to Paris.", "Ship the parcel to Berlin."))
                .isEqualTo("names");
        assertThat(guard.conflict("Increase my limit.", "Decrease my limit.")).isEqualTo("opposites");
        assertThat(guard.conflict("Show the cheapest plan.", "Show the most expensive plan."))
                .isEqualTo("opposites");
    }

    @Test
    void shouldLetThroughTextsThatDifferOnlyInWording() {
        assertThat(guard.conflict("Where is my order 48213?", "What is the status of order 48213?"))
                .isNull();
        assertThat(guard.conflict(
                        "Cancel my subscription to Photo Backup.", "Please end my Photo Backup subscription."))
                .isNull();
        assertThat(guard.conflict("I do not want it. It is not mine.", "Not mine, and I don't want it."))
                .as("two negations each")
                .isNull();
    }

    @Test
    void shouldCompareQuantitiesNotTheirSpelling() {
        assertThat(guard.conflict("I was charged $20 twice for order 48213.", "Order 48213 was billed $20 two times."))
                .isNull();
        assertThat(guard.conflict("Order two new monitors.", "Order 2 new monitors."))
                .isNull();
        assertThat(guard.conflict("Call Maria at 3 pm tomorrow.", "Call Maria tomorrow at 15:00."))
                .isNull();
        assertThat(guard.conflict("Transfer €1,200 to savings.", "Transfer €1200 to savings."))
                .isNull();
        assertThat(guard.conflict(
                        "Summarize this email in one sentence.", "Give me a one-sentence summary of this email."))
                .isNull();
        assertThat(guard.conflict("How do I reset my password?", "I forgot my password, how can I set a new one?"))
                .as("'a new one' is no count")
                .isNull();
    }

    @Test
    void shouldStillRefuseOtherQuantities() {
        assertThat(guard.conflict("I was charged twice.", "I was charged three times."))
                .isEqualTo("numbers");
        assertThat(guard.conflict("I was charged twice.", "I was charged once."))
                .isEqualTo("numbers");
        assertThat(guard.conflict("Call me at 3 pm.", "Call me at 3 am.")).isEqualTo("numbers");
        assertThat(guard.conflict("Call me at 3 pm.", "Call me at 13:00.")).isEqualTo("numbers");
        assertThat(guard.conflict("Order a second monitor.", "Order a third monitor."))
                .isEqualTo("numbers");
        assertThat(guard.conflict("Show the 2nd invoice.", "Show two invoices."))
                .isEqualTo("numbers");
        assertThat(guard.conflict("Buy one ticket.", "Buy a ticket."))
                .as("one is still a count")
                .isEqualTo("numbers");
    }

    @Test
    void shouldCompareCalendarUnitsInAnyForm() {
        assertThat(guard.conflict("How much does it cost per month?", "What is the monthly price?"))
                .isNull();
        assertThat(guard.conflict("The rate on a 5-year mortgage?", "The rate on a 5 year mortgage?"))
                .isNull();
        assertThat(guard.conflict("Report the sales for three weeks.", "Report three weeks of sales."))
                .isNull();
        assertThat(guard.conflict("How much does it cost per month?", "What is the yearly price?"))
                .isEqualTo("dates");
        assertThat(guard.conflict("Show my daily spend.", "Show my weekly spend."))
                .isEqualTo("dates");
    }

    @Test
    void shouldCountWordsThatCarryANegation() {
        assertThat(guard.conflict(
                        "Does Team Chat work offline?", "Can I use Team Chat without an internet connection?"))
                .isNull();
        assertThat(guard.conflict("I can't log in to my email.", "I'm unable to sign in to my mailbox."))
                .isNull();
        assertThat(guard.conflict("My payment failed.", "My payment did not go through."))
                .isNull();
        assertThat(guard.conflict("Cancel my order.", "Don't cancel my order.")).isEqualTo("negation");
        assertThat(guard.conflict("Does Team Chat work offline?", "Does Team Chat work online?"))
                .isEqualTo("negation");
        assertThat(guard.conflict("My payment went through.", "My payment failed."))
                .isEqualTo("negation");
        assertThat(guard.conflict("Include the invoice for order 48213.", "Send order 48213 without the invoice."))
                .isEqualTo("negation");
    }

    @Test
    void shouldFindOppositesInAnyInflectionAndByReversingPrefix() {
        assertThat(guard.conflict("Make the sauce thicker.", "Make the sauce thinner."))
                .isEqualTo("opposites");
        assertThat(guard.conflict("My limit was increased.", "My limit was decreased."))
                .isEqualTo("opposites");
        assertThat(guard.conflict("Lend €12 to Aisha Khan.", "Borrow €12 from Aisha Khan."))
                .isEqualTo("opposites");
        assertThat(guard.conflict("Mark ticket INC-20931 as resolved.", "Mark ticket INC-20931 as unresolved."))
                .isEqualTo("opposites");
        assertThat(guard.conflict("Activate my card.", "Deactivate my card.")).isEqualTo("opposites");
        assertThat(guard.conflict("Freeze my card.", "Unfreeze my card.")).isEqualTo("opposites");
        assertThat(guard.conflict("Should I increase or decrease the dose?", "Do I increase or decrease the dose?"))
                .as("both texts have both words")
                .isNull();
        assertThat(guard.conflict("Is the parcel late?", "Has the late parcel arrived yet?"))
                .isNull();
    }

    @Test
    void shouldFindAnOppositeWhereBothTextsHaveTheWordButOneHasItMoreOften() {
        assertThat(guard.conflict("Check in to the hotel in Oslo early.", "Check out of the hotel in Oslo early."))
                .isEqualTo("opposites");
        assertThat(guard.conflict("Turn the heating on in the morning.", "Turn the heating on in the morning, please."))
                .isNull();
    }
}
