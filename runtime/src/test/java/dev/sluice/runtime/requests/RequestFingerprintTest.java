package dev.sluice.runtime.requests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestFingerprintTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static LlmRequest request(
            String requestId, Instant createdAt, Instant deadline, String prompt, Map<String, String> metadata) {
        return new LlmRequest(
                requestId,
                "acme",
                "key-1",
                "u1",
                Priority.NORMAL,
                deadline,
                null,
                Tier.SMALL,
                List.of(new Message(Role.SYSTEM, "Be brief.", true), Message.user(prompt)),
                200,
                0.0,
                ResponseFormat.TEXT,
                null,
                metadata,
                createdAt);
    }

    @Test
    void shouldBeTheSameForARetryWithItsOwnIdTimeAndDeadline() {
        LlmRequest first = request("r1", NOW, NOW.plusSeconds(3600), "Classify: hello", Map.of("a", "1", "b", "2"));
        LlmRequest retry =
                request("r2", NOW.plusSeconds(5), NOW.plusSeconds(3605), "Classify: hello", Map.of("b", "2", "a", "1"));

        assertThat(RequestFingerprint.of(retry))
                .isEqualTo(RequestFingerprint.of(first))
                .hasSize(64);
    }

    @Test
    void shouldDifferWhenWhatIsAskedForDiffers() {
        LlmRequest base = request("r1", NOW, null, "Classify: hello", Map.of());
        String fingerprint = RequestFingerprint.of(base);

        assertThat(RequestFingerprint.of(request("r1", NOW, null, "Classify: hello!", Map.of())))
                .isNotEqualTo(fingerprint);
        assertThat(RequestFingerprint.of(request("r1", NOW, null, "Classify: hello", Map.of("a", "1"))))
                .isNotEqualTo(fingerprint);
        LlmRequest hotter = new LlmRequest(
                "r1",
                "acme",
                "key-1",
                "u1",
                Priority.NORMAL,
                null,
                null,
                Tier.SMALL,
                base.messages(),
                200,
                0.5,
                ResponseFormat.TEXT,
                null,
                Map.of(),
                NOW);
        assertThat(RequestFingerprint.of(hotter)).isNotEqualTo(fingerprint);
    }

    @Test
    void shouldTellAnEmptyFieldFromAMissingOneAndFieldsFromTheirJoin() {
        LlmRequest empty = new LlmRequest(
                "r1",
                "acme",
                null,
                "",
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user("ab")),
                10,
                null,
                null,
                null,
                Map.of(),
                NOW);
        LlmRequest missing = new LlmRequest(
                "r1",
                "acme",
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user("ab")),
                10,
                null,
                null,
                null,
                Map.of(),
                NOW);
        LlmRequest split = new LlmRequest(
                "r1",
                "acme",
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user("a"), Message.user("b")),
                10,
                null,
                null,
                null,
                Map.of(),
                NOW);

        assertThat(RequestFingerprint.of(empty)).isNotEqualTo(RequestFingerprint.of(missing));
        assertThat(RequestFingerprint.of(split)).isNotEqualTo(RequestFingerprint.of(missing));
    }
}
