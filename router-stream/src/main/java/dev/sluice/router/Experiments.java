package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Role;
import dev.sluice.model.TenantConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A/B assignment: a user always gets the same variant of an experiment, because the variant is
 * picked by a stable hash of (experiment, userId) over the variants' weights. Every experiment of
 * the tenant applies, each on its own hash; requests without a userId are not assigned. Where two
 * assigned variants set the same thing (tier, model, system prompt), the earlier experiment's wins;
 * {@code sluice tenants put} refuses such a configuration.
 */
final class Experiments {
    private Experiments() {}

    /** One experiment's variant for a request. */
    record Assignment(String experiment, TenantConfig.Variant variant) {}

    /** The request's variant in each of the tenant's experiments, in the tenant's order. */
    static List<Assignment> assign(TenantConfig tenant, String userId) {
        if (userId == null || userId.isBlank() || tenant.experiments().isEmpty()) {
            return List.of();
        }
        List<Assignment> out = new ArrayList<>();
        for (TenantConfig.Experiment experiment : tenant.experiments()) {
            pick(experiment, userId).ifPresent(v -> out.add(new Assignment(experiment.name(), v)));
        }
        return out;
    }

    private static Optional<TenantConfig.Variant> pick(TenantConfig.Experiment experiment, String userId) {
        long total = experiment.variants().stream()
                .mapToLong(v -> Math.max(0, v.weight()))
                .sum();
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

    /** The first assigned variant's setting of {@code part}, or null when none sets it. */
    static <T> T first(List<Assignment> assignments, Function<TenantConfig.Variant, T> part) {
        return assignments.stream()
                .map(a -> part.apply(a.variant()))
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
    }

    /**
     * The request as the assignments make it: each assignment in its metadata
     * ({@code sluice.experiment.<name>} = variant), and the first variant's system prompt, if one
     * sets it, in place of its system messages (marked cacheable: every job of the variant shares
     * it). The request itself when nothing is assigned. The router's checks (maxInputTokens, the
     * injection guard) ran on the request as sent; a variant's prompt is the tenant's own text.
     */
    static LlmRequest apply(LlmRequest r, List<Assignment> assignments) {
        if (assignments.isEmpty()) {
            return r;
        }
        Map<String, String> metadata = new HashMap<>(r.metadata());
        assignments.forEach(a -> metadata.put(
                TenantConfig.experimentKey(a.experiment()), a.variant().name()));
        List<Message> messages = r.messages();
        String system = first(assignments, TenantConfig.Variant::systemPrompt);
        if (system != null) {
            messages = new ArrayList<>();
            // Shared by every job of the variant: worth a prompt-cache breakpoint.
            messages.add(new Message(Role.SYSTEM, system, true));
            r.messages().stream().filter(m -> m.role() != Role.SYSTEM).forEach(messages::add);
        }
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                r.idempotencyKey(),
                r.userId(),
                r.priority(),
                r.deadline(),
                r.model(),
                r.tier(),
                messages,
                r.maxOutputTokens(),
                r.temperature(),
                r.responseFormat(),
                r.webhook(),
                metadata,
                r.createdAt());
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
