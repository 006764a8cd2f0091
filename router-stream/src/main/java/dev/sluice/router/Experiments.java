package dev.sluice.router;

import dev.sluice.model.TenantConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * A/B assignment: a user always gets the same variant of an experiment, because the variant is
 * picked by a stable hash of (experiment, userId) over the variants' weights. Only the tenant's
 * first experiment is applied; requests without a userId are not assigned.
 */
final class Experiments {
    private Experiments() {
    }

    static Optional<TenantConfig.Variant> assign(TenantConfig tenant, String userId) {
        if (userId == null || userId.isBlank() || tenant.experiments().isEmpty()) {
            return Optional.empty();
        }
        TenantConfig.Experiment experiment = tenant.experiments().getFirst();
        long total = experiment.variants().stream().mapToLong(v -> Math.max(0, v.weight())).sum();
        if (total == 0) {
            return Optional.empty();
        }
        long bucket = Long.remainderUnsigned(hash(experiment.name() + ":" + userId), total);
        for (TenantConfig.Variant v : experiment.variants()) {
            bucket -= Math.max(0, v.weight());
            if (bucket < 0) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** The first 8 bytes of SHA-256: the same on every JVM and every version, unlike String.hashCode. */
    static long hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
