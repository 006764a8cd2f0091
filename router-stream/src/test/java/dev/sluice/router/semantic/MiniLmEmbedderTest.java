package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MiniLmEmbedderTest {
    private final MiniLmEmbedder embedder = new MiniLmEmbedder();

    @Test
    void shouldSayWhetherItReadsAllOfATextByItsTokenizersCount() {
        String sentence = "The parcel was left at the wrong address. ";

        assertThat(embedder.fits(sentence.repeat(10)))
                .as("about 100 word pieces")
                .isTrue();
        assertThat(embedder.fits(sentence.repeat(16)))
                .as("about 146 word pieces")
                .isFalse();
        assertThat(embedder.fits("48213 90017 11562 73840 ".repeat(20)))
                .as("80 numbers, short in characters")
                .isFalse();
    }

    @Test
    void shouldNotSeeWhatComesAfterItsWindowWhichIsWhyLongerTextsAreNotCompared() {
        String head = "The parcel was left at the wrong address. ".repeat(14);

        double similarity =
                Embedder.cosine(embedder.embed(head + "Refund the fee."), embedder.embed(head + "Close my account."));

        assertThat(similarity).isGreaterThan(0.999);
    }
}
