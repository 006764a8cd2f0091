package dev.sluice.worker.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.worker.guardrails.PiiRedactor.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PiiRedactorTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "Write to jane.doe+billing@example.co.uk today.       | Write to [REDACTED_EMAIL] today.                | EMAIL",
                "Card 4111 1111 1111 1111 was charged.                | Card [REDACTED_CARD] was charged.                | CARD",
                "Card 4111-1111-1111-1111.                            | Card [REDACTED_CARD].                            | CARD",
                "Amex 378282246310005 on file                         | Amex [REDACTED_CARD] on file                     | CARD",
                "SSN 123-45-6789 on the form                          | SSN [REDACTED_SSN] on the form                   | SSN",
                "Call (415) 555-0132 now                              | Call [REDACTED_PHONE] now                        | PHONE",
                "Call 415-555-0132 now                                | Call [REDACTED_PHONE] now                        | PHONE",
                "Call +1 415 555 0132 now                             | Call [REDACTED_PHONE] now                        | PHONE",
                "Ring +44 20 7946 0958 please                         | Ring [REDACTED_PHONE] please                     | PHONE",
            })
    void shouldRedactEachKind(String text, String expected, Kind kind) {
        PiiRedactor.Redacted r = PiiRedactor.redact(text.strip());
        assertThat(r.text()).isEqualTo(expected.strip());
        assertThat(r.counts()).containsOnlyKeys(kind).containsEntry(kind, 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "Order 4111 1111 1111 1112 fails the Luhn check.",
                "Invoice 1234567890123 is due.",
                "Shipped on 2026-11-22 at 14:05.",
                "The total was $1,234.56 for 3 items.",
                "Upgrade to version 4.3.1 or 10.2.0.15.",
                "The host 192.168.1.10 answered.",
                "SSNs starting 000-12-3456 or 666-12-3456 or 900-12-3456 are never issued.",
                "Ticket #48213 and order 5523-981.",
                "user@localhost is not an address on the internet.",
                "Call extension 4455.",
            })
    void shouldLeaveTextWithoutPersonalDataAlone(String text) {
        PiiRedactor.Redacted r = PiiRedactor.redact(text);
        assertThat(r.text()).isEqualTo(text);
        assertThat(r.total()).isZero();
    }

    @Test
    void shouldCountEveryMatchInAMixedText() {
        PiiRedactor.Redacted r = PiiRedactor.redact(
                "Contact a@b.io or c@d.io, card 5555 5555 5555 4444, " + "SSN 078-05-1120, phone 212.555.0199.");
        assertThat(r.text())
                .isEqualTo("Contact [REDACTED_EMAIL] or [REDACTED_EMAIL], card [REDACTED_CARD], "
                        + "SSN [REDACTED_SSN], phone [REDACTED_PHONE].");
        assertThat(r.counts())
                .containsEntry(Kind.EMAIL, 2)
                .containsEntry(Kind.CARD, 1)
                .containsEntry(Kind.SSN, 1)
                .containsEntry(Kind.PHONE, 1);
    }

    @Test
    void shouldCheckLuhnOverDigitsOnly() {
        assertThat(PiiRedactor.luhnValid("4111 1111 1111 1111")).isTrue();
        assertThat(PiiRedactor.luhnValid("4111-1111-1111-1112")).isFalse();
        assertThat(PiiRedactor.luhnValid("0")).as("too short for a card").isFalse();
    }
}
