package dev.sluice.schemas.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12.1+ refuses to instantiate generated classes outside trusted packages. Sluice's records
 * are trusted here, once, so that users need not set org.apache.avro.SERIALIZABLE_PACKAGES.
 */
final class TrustedPackages {
    private static volatile boolean done;

    private TrustedPackages() {}

    static synchronized void trustSluiceRecords() {
        if (done) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
                previous, type -> type.getName().startsWith("dev.sluice.avro.")));
        done = true;
    }
}
