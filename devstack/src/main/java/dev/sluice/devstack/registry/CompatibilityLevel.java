package dev.sluice.devstack.registry;

import java.util.Locale;

/** Confluent's compatibility levels: which direction(s) to check, and against how many versions. */
enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    /** What a registry with no configuration enforces, as Confluent's does. */
    static final CompatibilityLevel DEFAULT = BACKWARD;

    /** The new schema must read data written with the earlier one(s). */
    final boolean backward;
    /** The earlier schema(s) must read data written with the new one. */
    final boolean forward;
    /** Against every live version rather than only the latest. */
    final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** Parses a level case-insensitively, as Confluent accepts "full" as well as "FULL". */
    static CompatibilityLevel parse(String text) {
        if (text == null || text.isBlank()) {
            throw RegistryException.invalidCompatibilityLevel();
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalidCompatibilityLevel();
        }
    }
}
