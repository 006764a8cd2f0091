package dev.sluice.router;

import dev.sluice.model.Message;
import dev.sluice.model.Role;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heuristic prompt-injection patterns, matched against user and assistant messages (the system
 * prompt is the tenant's own). A match is a suspicion, not proof: under FLAG the job runs marked
 * {@code injectionFlagged}; under BLOCK it is rejected with INJECTION_SUSPECTED. The patterns
 * are listed in the module README.
 */
final class InjectionDetector {
    static final List<String> PATTERNS = List.of(
            "\\b(ignore|disregard|forget|override)\\s+(all\\s+|any\\s+|the\\s+|your\\s+)?(previous|prior|above|earlier|"
                    + "preceding|system)\\s+(instructions|prompts?|rules|directions|guidelines)",
            "\\b(reveal|show|print|repeat|output|leak)\\s+(me\\s+)?(your|the)\\s+(system\\s+prompt|hidden\\s+"
                    + "instructions|initial\\s+instructions|instructions\\s+above)",
            "\\byou\\s+are\\s+now\\s+(in\\s+)?(dan|developer\\s+mode|jailbroken|unrestricted|unfiltered)\\b",
            "\\bjailbreak(ing)?\\b",
            "\\bpretend\\s+(that\\s+)?you\\s+(have\\s+no|are\\s+not\\s+bound\\s+by|are\\s+free\\s+of)\\s+"
                    + "(rules|restrictions|guidelines|limits)",
            "<\\|im_(start|end)\\|>|\\[/?INST\\]|<<\\s*SYS\\s*>>",
            "\\b(new|updated)\\s+system\\s+(prompt|instructions)\\s*:");

    private static final Pattern ANY = Pattern.compile(String.join("|", PATTERNS),
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    /** The first suspicious passage in the conversation, if any. */
    Optional<String> find(List<Message> messages) {
        for (Message m : messages) {
            if (m.role() == Role.SYSTEM) {
                continue;
            }
            Matcher matcher = ANY.matcher(m.content());
            if (matcher.find()) {
                return Optional.of(matcher.group());
            }
        }
        return Optional.empty();
    }
}
