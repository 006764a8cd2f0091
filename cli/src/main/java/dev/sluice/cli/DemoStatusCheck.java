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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Job status as a user reads it from ingest-service: every job's {@code GET /v1/jobs/{id}} with
 * its tenant's key must agree with its result, another tenant's key must get 404, and one job is
 * followed on its status stream from the moment it is accepted.
 */
final class DemoStatusCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the status API showed: agreement with the results, isolation (null when there was no
     * second tenant to try), and one job's stream.
     */
    record Outcome(int checked, int agreeing, Boolean isolated, List<String> stream, List<String> disagreements) {
        Outcome {
            stream = List.copyOf(stream);
            disagreements = List.copyOf(disagreements);
        }

        static final Outcome NONE = new Outcome(0, 0, null, List.of(), List.of());
    }

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String ingestUrl;
    private final DemoKeys keys;

    DemoStatusCheck(String ingestUrl, DemoKeys keys) {
        this.ingestUrl = ingestUrl;
        this.keys = keys;
    }

    /**
     * Submits {@code body} as {@code tenantId}, opens the job's status stream at once and returns
     * the states it sent until it ended. Whatever goes wrong (the job refused, the stream not
     * opened, no end within {@code timeout}) is the last entry instead of an exception, so the run
     * still ends with its summary.
     */
    List<String> follow(String tenantId, String body, Duration timeout) throws InterruptedException {
        List<String> states = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicReference<Stream<String>> open = new AtomicReference<>();
        CompletableFuture<Void> reading = CompletableFuture.runAsync(
                () -> read(tenantId, body, timeout, states, open),
                r -> Thread.ofVirtual().start(r));
        try {
            reading.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Stream<String> lines = open.get();
            if (lines != null) {
                lines.close();
            }
            states.add("no end within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            states.add(String.valueOf(e.getCause()));
        }
        return List.copyOf(states);
    }

    private void read(
            String tenantId, String body, Duration timeout, List<String> states, AtomicReference<Stream<String>> open) {
        try {
            HttpResponse<String> accepted = http.send(
                    HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + keys.forTenant(tenantId))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (accepted.statusCode() != 202) {
                states.add("job answered HTTP " + accepted.statusCode());
                return;
            }
            String id = JSON.readTree(accepted.body()).path("requestId").asText();
            long deadline = System.nanoTime() + timeout.toNanos();
            HttpResponse<Stream<String>> events;
            // 503 while a just-started ingest is still loading its job-status table.
            while ((events = http.send(get(id + "/events", tenantId), HttpResponse.BodyHandlers.ofLines())).statusCode()
                            == 503
                    && System.nanoTime() < deadline) {
                events.body().close();
                Thread.sleep(200);
            }
            if (events.statusCode() != 200) {
                events.body().close();
                states.add("stream answered HTTP " + events.statusCode());
                return;
            }
            try (Stream<String> lines = events.body()) {
                open.set(lines);
                lines.filter(l -> l.startsWith("data:")).forEach(l -> states.add(state(l.substring(5))));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            states.add(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads every job's status with its tenant's key until it agrees with the job's result status
     * or {@code timeout} passes (the status table follows the sink by a moment), and reads one
     * job with another tenant's key.
     */
    Outcome check(Map<String, String> tenantOf, Map<String, String> resultStatus, List<String> stream, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> agreed = new java.util.concurrent.ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> disagreements = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(32);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Map.Entry<String, String> job : resultStatus.entrySet()) {
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        String seen = awaitState(job.getKey(), tenantOf.get(job.getKey()), job.getValue(), deadline);
                        if (seen.equals(job.getValue())) {
                            agreed.put(job.getKey(), tenantOf.get(job.getKey()));
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
        return new Outcome(
                resultStatus.size(), agreed.size(), isolated(agreed), stream, new ArrayList<>(disagreements));
    }

    private String awaitState(String id, String tenantId, String expected, long deadline) throws InterruptedException {
        String seen = "none";
        while (true) {
            try {
                HttpResponse<String> r = http.send(get(id, tenantId), HttpResponse.BodyHandlers.ofString());
                seen = r.statusCode() == 200
                        ? JSON.readTree(r.body()).path("state").asText()
                        : "HTTP " + r.statusCode();
            } catch (IOException e) {
                seen = e.toString();
            }
            if (seen.equals(expected) || System.nanoTime() > deadline) {
                return seen;
            }
            Thread.sleep(100);
        }
    }

    /**
     * A job its own tenant reads (200) is answered 404 to another tenant's key, as an unknown job
     * is; null when every job belongs to one tenant.
     */
    private Boolean isolated(Map<String, String> readable) throws InterruptedException {
        Optional<Map.Entry<String, String>> job = readable.entrySet().stream().findFirst();
        Optional<String> other = job.flatMap(j ->
                readable.values().stream().filter(t -> !t.equals(j.getValue())).findFirst());
        if (other.isEmpty()) {
            return null;
        }
        try {
            return http.send(get(job.get().getKey(), other.get()), HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 404;
        } catch (IOException e) {
            return false;
        }
    }

    private HttpRequest get(String path, String tenantId) {
        return HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs/" + path))
                .header("Authorization", "Bearer " + keys.forTenant(tenantId))
                .build();
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
