package dev.sluice.ingest;

import static dev.sluice.ingest.IngestHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.JobState;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job-status routes as ingest-service serves them: behind API keys, each tenant seeing only its
 * own jobs, and the status stream following a job to its end.
 */
@SluiceKafka
class IngestStatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static IngestHarness h;
    private static String acmeKey;
    private static String globexKey;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(
                kafka, Map.of("ingest.status.heartbeat", "200ms", "ingest.status.max.streams.per.tenant", "2"));
        acmeKey = h.issueKey(h.putTenant("acme"));
        globexKey = h.issueKey(h.putTenant("globex"));
        h.awaitKeyAnswered(acmeKey, 400);
        h.awaitKeyAnswered(globexKey, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void shouldAnswerAJobToItsTenantOnlyAndAnotherTenantsJobLikeAnUnknownOne() throws Exception {
        h.putStatus("acme-1", "acme", JobState.RUNNING);
        org.awaitility.Awaitility.await()
                .alias("acme-1's status readable by its tenant")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/acme-1", acmeKey).statusCode() == 200);

        HttpResponse<String> own = h.get("/v1/jobs/acme-1", acmeKey);
        HttpResponse<String> other = h.get("/v1/jobs/acme-1", globexKey);
        HttpResponse<String> unknown = h.get("/v1/jobs/nobody", globexKey);
        HttpResponse<String> anonymous = h.get("/v1/jobs/acme-1", null);

        assertThat(JSON.readTree(own.body()).path("state").asText()).isEqualTo("RUNNING");
        assertThat(JSON.readTree(own.body()).path("tenantId").asText()).isEqualTo("acme");
        assertProblem(other, 404, "not-found", "No job acme-1 is known for this tenant");
        assertProblem(unknown, 404, "not-found", "No job nobody is known for this tenant");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(h.get("/v1/jobs/acme-1/events", globexKey).statusCode())
                .as("another tenant's stream")
                .isEqualTo(404);
    }

    @Test
    void shouldStreamEveryStatusOfAJobUntilItEnds() throws Exception {
        h.putStatus("acme-2", "acme", JobState.ACCEPTED);
        org.awaitility.Awaitility.await()
                .alias("acme-2's status readable by its tenant")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/acme-2", acmeKey).statusCode() == 200);
        CompletableFuture<List<String>> events = HTTP.sendAsync(
                        HttpRequest.newBuilder(URI.create(h.base + "/v1/jobs/acme-2/events"))
                                .header("Authorization", "Bearer " + acmeKey)
                                .build(),
                        HttpResponse.BodyHandlers.ofLines())
                .thenApplyAsync(
                        r -> {
                            assertThat(r.statusCode()).isEqualTo(200);
                            try (Stream<String> lines = r.body()) {
                                return lines.filter(l -> l.startsWith("data:")).toList();
                            }
                        },
                        OWN_THREAD);
        // The stream begins with the current state; wait for that before moving the job on.
        org.awaitility.Awaitility.await()
                .alias("acme-2's status stream open")
                .atMost(Duration.ofSeconds(10))
                .until(h::statusStreamOpen);
        for (JobState next : List.of(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED)) {
            h.putStatus("acme-2", "acme", next);
        }

        List<String> states = events.get(30, TimeUnit.SECONDS).stream()
                .map(l -> readState(l.substring("data:".length()).strip()))
                .toList();
        assertThat(states).containsExactly("ACCEPTED", "QUEUED", "RUNNING", "SUCCEEDED");
    }

    @Test
    void shouldEndAStreamWhoseKeyIsRevoked() throws Exception {
        String second = h.issueKey("acme");
        h.awaitKeyAnswered(second, 400);
        h.putStatus("acme-3", "acme", JobState.RUNNING);
        org.awaitility.Awaitility.await()
                .alias("acme-3's status readable with the second key")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/acme-3", second).statusCode() == 200);
        CompletableFuture<List<String>> events = stream("acme-3", second);
        org.awaitility.Awaitility.await()
                .alias("acme-3's status stream open")
                .atMost(Duration.ofSeconds(10))
                .until(h::statusStreamOpen);

        h.revokeKey(second);

        assertThat(events.get(30, TimeUnit.SECONDS))
                .as("the stream ended after the revocation, the job still running")
                .singleElement()
                .satisfies(l -> assertThat(readState(l.substring(5).strip())).isEqualTo("RUNNING"));
    }

    @Test
    void shouldRefuseATenantMoreStreamsThanItMayHoldWithoutStarvingOthers() throws Exception {
        String busyKey = h.issueKey(h.putTenant("busy"));
        h.awaitKeyAnswered(busyKey, 400);
        for (String id : List.of("busy-1", "busy-2", "busy-3")) {
            h.putStatus(id, "busy", JobState.RUNNING);
        }
        h.putStatus("acme-4", "acme", JobState.RUNNING);
        org.awaitility.Awaitility.await()
                .alias("acme-4's status readable by its tenant")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/acme-4", acmeKey).statusCode() == 200);
        int before = subscriptions();
        CompletableFuture<List<String>> first = stream("busy-1", busyKey);
        CompletableFuture<List<String>> second = stream("busy-2", busyKey);
        org.awaitility.Awaitility.await()
                .alias("busy's two status streams open")
                .atMost(Duration.ofSeconds(10))
                .until(() -> subscriptions() == before + 2);

        assertProblem(h.get("/v1/jobs/busy-3/events", busyKey), 429, "too-many-streams", "2 status streams open");
        CompletableFuture<List<String>> other = stream("acme-4", acmeKey);
        org.awaitility.Awaitility.await()
                .alias("acme's stream open beside busy's two")
                .atMost(Duration.ofSeconds(10))
                .until(() -> subscriptions() == before + 3);

        for (String id : List.of("busy-1", "busy-2")) {
            h.putStatus(id, "busy", JobState.SUCCEEDED);
        }
        h.putStatus("acme-4", "acme", JobState.SUCCEEDED);
        for (CompletableFuture<List<String>> f : List.of(first, second, other)) {
            assertThat(f.get(30, TimeUnit.SECONDS)).hasSize(2);
        }
    }

    /**
     * Each stream is read on a thread of its own: thenApply would read it on the caller's thread
     * when the answer's headers are already in (blocking the test until the stream ends), and the
     * common pool has one thread on two cores.
     */
    private static final java.util.concurrent.Executor OWN_THREAD =
            task -> Thread.ofVirtual().start(task);

    private static CompletableFuture<List<String>> stream(String id, String key) {
        return HTTP.sendAsync(
                        HttpRequest.newBuilder(URI.create(h.base + "/v1/jobs/" + id + "/events"))
                                .header("Authorization", "Bearer " + key)
                                .build(),
                        HttpResponse.BodyHandlers.ofLines())
                .thenApplyAsync(
                        r -> {
                            try (Stream<String> lines = r.body()) {
                                return lines.filter(l -> l.startsWith("data:")).toList();
                            }
                        },
                        OWN_THREAD);
    }

    /** Open and waiting status streams, as the service's metrics count them. */
    private static int subscriptions() throws Exception {
        return h.metrics()
                .lines()
                .filter(l -> l.startsWith("sluice_ingest_status_subscriptions"))
                .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static String readState(String json) {
        try {
            return JSON.readTree(json).path("state").asText();
        } catch (Exception e) {
            throw new IllegalStateException(json, e);
        }
    }
}
