package dev.sluice.ingest;

import static dev.sluice.ingest.IngestHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may submit, and how much: API keys, tenants and request limits on a real broker, and nothing
 * produced for anyone refused.
 */
@SluiceKafka
class IngestAuthIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static IngestHarness h;
    private static String acmeKey;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(kafka, Map.of());
        acmeKey = h.issueKey(h.putTenant("acme"));
        h.putTenant("globex");
        h.awaitKeyAnswered(acmeKey, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static JsonNode body(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void shouldAnswerAMissingMalformedUnknownOrWrongKeyWith401AndABearerChallenge() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        ApiKeys.Issued stranger = ApiKeys.issue(new SecureRandom());
        String acmeId = ApiKeys.keyIdOf(acmeKey).orElseThrow();
        String wrongSecret = "slk_" + acmeId + stranger.key().substring(16);

        HttpResponse<String> none = h.post("/v1/jobs", JOB, Map.of());
        HttpResponse<String> basic = h.post("/v1/jobs", JOB, Map.of("Authorization", "Basic YWNtZTpzZWNyZXQ="));
        HttpResponse<String> notAKey = h.post("/v1/jobs", JOB, "sk-live-1234");
        HttpResponse<String> unknown = h.post("/v1/jobs", JOB, stranger.key());
        HttpResponse<String> wrong = h.post("/v1/jobs", JOB, wrongSecret);

        assertProblem(none, 401, "unauthorized", "Authorization: Bearer slk_");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"sluice\"");
        assertProblem(basic, 401, "unauthorized", "must be 'Bearer <API key>'");
        assertProblem(notAKey, 401, "unauthorized", "not a Sluice API key");
        assertProblem(unknown, 401, "unauthorized", "The API key is not valid");
        assertProblem(wrong, 401, "unauthorized", "The API key is not valid");
        for (HttpResponse<String> r : List.of(basic, notAKey, unknown, wrong)) {
            assertThat(r.headers().firstValue("WWW-Authenticate"))
                    .hasValue("Bearer realm=\"sluice\", error=\"invalid_token\"");
            assertThat(r.body()).doesNotContain(stranger.key().substring(17)).doesNotContain(acmeId);
        }
        h.assertNothingProducedSince(before, acmeKey);
    }

    @Test
    void shouldAnswerARevokedKeyWith401SayingItWasRevoked() throws Exception {
        String key = h.issueKey("acme");
        h.awaitKeyAnswered(key, 400);
        h.revokeKey(key);
        h.awaitKeyAnswered(key, 401);
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> revoked = h.post("/v1/jobs", JOB, key);

        assertProblem(
                revoked,
                401,
                "api-key-revoked",
                "The API key " + ApiKeys.keyIdOf(key).orElseThrow() + " was revoked at ");
        assertThat(revoked.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        h.assertNothingProducedSince(before, acmeKey);
    }

    @Test
    void shouldAnswerAKeyOfAnUnknownOrDeletedTenantWith403() throws Exception {
        String orphanKey = h.issueKey("initech");
        String deletedKey = h.issueKey(h.putTenant("hooli"));
        h.awaitKeyAnswered(deletedKey, 400);
        h.deleteTenant("hooli");
        h.awaitKeyAnswered(deletedKey, 403);
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> unknown = h.post("/v1/jobs", JOB, orphanKey);
        HttpResponse<String> deleted = h.post("/v1/jobs", JOB, deletedKey);

        assertProblem(unknown, 403, "unknown-tenant", "tenant 'initech' is not registered");
        assertProblem(deleted, 403, "unknown-tenant", "tenant 'hooli' is not registered");
        h.assertNothingProducedSince(before, acmeKey);
    }

    @Test
    void shouldAnswerAJobThatNamesAnotherTenantWith403() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> other = h.post(
                "/v1/jobs", "{\"tenantId\":\"globex\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", acmeKey);

        assertProblem(other, 403, "tenant-mismatch", "belongs to tenant 'acme'; the job names 'globex'");
        assertThat(body(other).path("errors").get(0).path("field").asText()).isEqualTo("tenantId");
        h.assertNothingProducedSince(before, acmeKey);
    }

    @Test
    void shouldAnswerATenantOverItsRequestLimitWith429AndRetryAfter() throws Exception {
        // One request a minute: a bucket of one, refilled in 60 s.
        String key = h.limitedTenantKey("slowco", 1);
        assertThat(h.post("/v1/jobs", JOB, key).statusCode()).isEqualTo(202);
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> limited = h.post("/v1/jobs", JOB, key);

        assertProblem(limited, 429, "rate-limited", "Tenant 'slowco' is over its limit of 1 requests a minute");
        assertThat(body(limited).path("detail").asText()).contains("nothing was accepted");
        assertThat(limited.headers().firstValue("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(50L, 60L));
        assertThat(h.metrics())
                .containsPattern("sluice_ingest_rate_limited_total\\{[^}]*tenant=\"slowco\"[^}]*} 1\\.0");
        // The marker job is acme's: another tenant is not held back.
        h.assertNothingProducedSince(before, acmeKey);
    }

    @Test
    void shouldAcceptAJobThatNamesTheKeysOwnTenant() throws Exception {
        HttpResponse<String> own = h.post(
                "/v1/jobs", "{\"tenantId\":\"acme\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", acmeKey);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
        assertThat(body(own).path("tenantId").asText()).isEqualTo("acme");
    }
}
