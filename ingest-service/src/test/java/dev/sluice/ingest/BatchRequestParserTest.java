package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchRequestParserTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static BatchRequestParser.Parsed parse(String body, int maxJobs) throws Exception {
        AtomicInteger ids = new AtomicInteger();
        return BatchRequestParser.parse(
                JSON.readTree(body), maxJobs, 200, () -> "req-" + ids.incrementAndGet(), NOW, "acme");
    }

    private static String jobs(String... jobs) {
        return "{\"jobs\":[" + String.join(",", jobs) + "]}";
    }

    @Test
    void shouldTurnEveryJobIntoARequestOfItsOwnInOrder() throws Exception {
        var parsed = parse(jobs(JOB, "{\"idempotencyKey\":\"k-2\",\"priority\":\"HIGH\"," + JOB.substring(1)), 10);

        assertThat(parsed.errors()).isEmpty();
        assertThat(parsed.requests()).extracting(LlmRequest::requestId).containsExactly("req-1", "req-2");
        assertThat(parsed.requests()).extracting(LlmRequest::tenantId).containsOnly("acme");
        assertThat(parsed.requests())
                .extracting(LlmRequest::effectiveIdempotencyKey)
                .containsExactly("req-1", "k-2");
        assertThat(parsed.requests()).extracting(LlmRequest::createdAt).containsOnly(NOW);
    }

    @Test
    void shouldListEveryProblemOfEveryJobUnderItsIndexAndAcceptNone() throws Exception {
        var parsed = parse(jobs(JOB, "{\"messages\":[]}", JOB, "{\"colour\":\"red\"," + JOB.substring(1), "7"), 10);

        assertThat(parsed.requests()).isNull();
        assertThat(parsed.errors())
                .extracting(Problem.FieldError::field)
                .containsExactly("jobs[1].messages", "jobs[3].colour", "jobs[4]");
        assertThat(parsed.detail()).isEqualTo("3 of the 5 jobs are invalid; nothing was accepted");
    }

    @Test
    void shouldRefuseTwoJobsWithOneKeyAndDifferentContentsButLetTheSameJobTwiceThrough() throws Exception {
        String a = "{\"idempotencyKey\":\"k-1\"," + JOB.substring(1);
        String b = "{\"idempotencyKey\":\"k-1\",\"priority\":\"HIGH\"," + JOB.substring(1);

        var twice = parse(jobs(a, JOB, a), 10);
        var different = parse(jobs(a, JOB, b, a), 10);

        assertThat(twice.errors()).isEmpty();
        assertThat(twice.requests()).hasSize(3);
        assertThat(different.requests()).isNull();
        assertThat(different.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs[2].idempotencyKey");
            assertThat(e.message()).isEqualTo("is also the key of jobs[0], a different job; one key names one job");
        });
        assertThat(different.detail()).isEqualTo("1 of the 4 jobs is invalid; nothing was accepted");
    }

    @Test
    void shouldRefuseABatchOverTheLimitWithoutCheckingItsJobs() throws Exception {
        var parsed = parse(jobs(JOB, JOB, "{}"), 2);

        assertThat(parsed.requests()).isNull();
        assertThat(parsed.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs");
            assertThat(e.message()).isEqualTo("holds 3 jobs; at most 2");
        });
        assertThat(parsed.detail()).contains("a batch holds at most 2");
    }

    @Test
    void shouldRequireANonEmptyJobsArrayAndNothingElse() throws Exception {
        assertThat(parse("{}", 10).errors())
                .extracting(Problem.FieldError::message)
                .containsExactly("is required");
        assertThat(parse(jobs(), 10).errors())
                .extracting(Problem.FieldError::message)
                .containsExactly("must be an array of 1 to 10 jobs");
        assertThat(parse("{\"jobs\":{}}", 10).errors())
                .extracting(Problem.FieldError::field)
                .containsExactly("jobs");
        assertThat(parse("{\"jobs\":[" + JOB + "],\"tenantId\":\"acme\"}", 10).errors())
                .extracting(Problem.FieldError::field)
                .containsExactly("tenantId");
        assertThat(parse("[" + JOB + "]", 10).detail()).contains("{\"jobs\": [...]}");
    }

    @Test
    void shouldHoldEachJobToTheSingleJobSizeLimit() throws Exception {
        String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(200) + "\"}]}";
        var parsed = parse(jobs(JOB, big), 10);

        assertThat(parsed.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs[1]");
            assertThat(e.message()).endsWith("one job may take at most 200");
        });
        assertThat(parsed.detail()).isEqualTo("1 of the 2 jobs is invalid; nothing was accepted");
    }

    @Test
    void shouldKeepAJobsOwnTenantForTheHandlerToCompare() throws Exception {
        var parsed = parse(jobs("{\"tenantId\":\"globex\"," + JOB.substring(1)), 10);
        assertThat(parsed.requests()).extracting(LlmRequest::tenantId).containsExactly("globex");
    }
}
