package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Job status as a user reads it from ingest-service: every job's {@code GET /v1/jobs/{id}} with
 * its tenant's key must agree with its result, another tenant's key must get 404, and one job is
 * followed on its status stream from the moment it is accepted.
 */
final class DemoStatusCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the status API showed: agreement with the results, isolation, and one job's stream. */
    record Outcome(int checked, int agreeing, boolean isolated, List<String> stream, List<String> disagreements) {
        Outcome {
            stream = List.copyOf(stream);
            disagreements = List.copyOf(disagreements);
        }

        static final Outcome NONE = new Outcome(0, 0, false, List.of(), List.of());
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String ingestUrl;
    private final DemoKeys keys;

    DemoStatusCheck(String ingestUrl, DemoKeys keys) {
        this.ingestUrl = ingestUrl;
        this.keys = keys;
    }

    /**
     * Submits {@code body} as {@code tenantId}, opens the job's status stream at once and returns
     * the states it sent until it ended.
     */
    List<String> follow(String tenantId, String body, Duration timeout) throws Exception {
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + keys.forTenant(tenantId))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (accepted.statusCode() != 202) {
            throw new IllegalStateException("the followed job was answered " + accepted.statusCode() + ": "
                    + accepted.body());
        }
        String id = JSON.readTree(accepted.body()).path("requestId").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<Stream<String>> events;
        // 503 while a just-started ingest is still loading its job-status table.
        while ((events = http.sendAsync(get(id + "/events", tenantId), HttpResponse.BodyHandlers.ofLines())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)).statusCode() == 503 && System.nanoTime() < deadline) {
            events.body().close();
            Thread.sleep(200);
        }
        List<String> states = new ArrayList<>();
        if (events.statusCode() != 200) {
            events.body().close();
            states.add("HTTP " + events.statusCode());
            return states;
        }
        try (Stream<String> lines = events.body()) {
            lines.filter(l -> l.startsWith("data:")).forEach(l -> states.add(state(l.substring(5))));
        }
        return states;
    }

    /**
     * Reads every job's status with its tenant's key until it agrees with the job's result status
     * or {@code timeout} passes (the status table follows the sink by a moment), and reads one
     * job with another tenant's key.
     */
    Outcome check(Map<String, String> tenantOf, Map<String, String> resultStatus, List<String> stream,
            Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicInteger agreeing = new AtomicInteger();
        ConcurrentLinkedQueue<String> disagreements = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(32);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Map.Entry<String, String> job : resultStatus.entrySet()) {
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        String seen = awaitState(job.getKey(), tenantOf.get(job.getKey()), job.getValue(), deadline);
                        if (seen.equals(job.getValue())) {
                            agreeing.incrementAndGet();
                        } else {
                            disagreements.add(job.getKey() + ": status " + seen + ", result " + job.getValue());
                        }
                    } finally {
                        inFlight.release();
                    }
                    return null;
                });
            }
        }
        return new Outcome(resultStatus.size(), agreeing.get(), isolated(tenantOf), stream,
                new ArrayList<>(disagreements));
    }

    private String awaitState(String id, String tenantId, String expected, long deadline) throws InterruptedException {
        String seen = "none";
        while (true) {
            try {
                HttpResponse<String> r = http.send(get(id, tenantId), HttpResponse.BodyHandlers.ofString());
                seen = r.statusCode() == 200 ? JSON.readTree(r.body()).path("state").asText() : "HTTP " + r.statusCode();
            } catch (IOException e) {
                seen = e.toString();
            }
            if (seen.equals(expected) || System.nanoTime() > deadline) {
                return seen;
            }
            Thread.sleep(100);
        }
    }

    /** One job read with a key of another tenant answers 404, as an unknown job does. */
    private boolean isolated(Map<String, String> tenantOf) throws InterruptedException {
        Optional<Map.Entry<String, String>> job = tenantOf.entrySet().stream().findFirst();
        Optional<String> other = job.flatMap(j -> tenantOf.values().stream().filter(t -> !t.equals(j.getValue()))
                .findFirst());
        if (other.isEmpty()) {
            return false;
        }
        try {
            return http.send(get(job.get().getKey(), other.get()), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 404;
        } catch (IOException e) {
            return false;
        }
    }

    private HttpRequest get(String path, String tenantId) {
        return HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs/" + path))
                .header("Authorization", "Bearer " + keys.forTenant(tenantId)).build();
    }

    private static String state(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return node.path("state").asText();
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
