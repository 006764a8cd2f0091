package dev.sluice.cli;

import java.util.Locale;

/** Micro-dollars as the commands print them. */
public final class Money {
    private Money() {}

    /** Dollars with all six decimals, exact: {@code $1.234567}, {@code -$0.000042}. */
    public static String dollars(long micros) {
        return (micros < 0 ? "-$" : "$") + Math.abs(micros) / 1_000_000 + "."
                + String.format(Locale.ROOT, "%06d", Math.abs(micros) % 1_000_000);
    }
}
