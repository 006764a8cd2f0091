package dev.sluice.ingest.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import io.javalin.Javalin;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job-status table on a real broker behind a real Javalin server. The caller's tenant comes
 * from a test-only header here; in the service it comes from the API key.
 */
@SluiceKafka
class StatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TENANT = "X-Test-Tenant";
    private static final Duration WAIT = Duration.ofSeconds(4);
    private static final int MAX_STREAMS = 3;

    private static Setup setup;
    private static JobStatusTable table;
    private static Javalin app;
    private static KafkaProducer<String, byte[]> producer;

    private record Setup(KafkaSettings kafka, StatusConfig config) {
        String topic() {
            return kafka.topics().jobStatus();
        }
    }

    private static Setup setup(KafkaStack kafka, Path stateDir) {
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(kafka.newPrefix()));
        values.put("ingest.state.dir", stateDir.toString());
        values.put("ingest.status.wait", WAIT.toMillis() + "ms");
        values.put("ingest.status.heartbeat", "100ms");
        values.put("ingest.status.max.streams", Integer.toString(MAX_STREAMS));
        Settings settings = new Settings(ConfigSource.of(values));
        KafkaSettings k = KafkaSettings.read(settings);
        StatusConfig config = StatusConfig.read(settings, k);
        settings.validate();
        TopicCreator.ensure(k);
        return new Setup(k, config);
    }

    @BeforeAll
    static void start(KafkaStack kafka, @TempDir Path dir) throws Exception {
        setup = setup(kafka, dir.resolve("state"));
        producer = kafka.producer();
        write(setup, "a-running", "acme", JobState.RUNNING);
        write(setup, "g-queued", "globex", JobState.QUEUED);
        table = new JobStatusTable(setup.kafka(), setup.config(), new SimpleMeterRegistry()).start();
        assertThat(table.awaitReady(Duration.ofSeconds(60))).as("table loaded").isTrue();
        StatusRoutes routes = new StatusRoutes(table, setup.config());
        app = Javalin.create(cfg -> {
                    cfg.concurrency.useVirtualThreads = true;
                    cfg.startup.showJavalinBanner = false;
                    routes.register(cfg.routes, ctx -> {
                        String tenant = ctx.header(TENANT);
                        if (tenant == null) {
                            ctx.status(401);
                        }
                        return Optional.ofNullable(tenant);
                    });
                })
                .start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.stop();
        }
        if (table != null) {
            table.close();
        }
        if (producer != null) {
            producer.close();
        }
    }

    /** A closed stream is noticed at its next heartbeat; each test starts with none open. */
    @BeforeEach
    void noStreamOpen() {
        await().alias("no status stream open").atMost(Duration.ofSeconds(10)).until(() -> table.subscriptions() == 0);
    }

    private static void write(Setup s, String requestId, String tenant, JobState state) throws Exception {
        JobStatus status = new JobStatus(
                requestId, tenant, state, state.isTerminal() ? "gpt-4.1-mini" : null, null, Instant.now());
        byte[] value = setup.kafka().serdes().jobStatus().serializer().serialize(s.topic(), status);
        producer.send(new ProducerRecord<>(s.topic(), requestId, value)).get();
    }

    private static void delete(Setup s, String requestId) throws Exception {
        producer.send(new ProducerRecord<>(s.topic(), requestId, null)).get();
    }

    private static HttpResponse<String> get(String path, String tenant) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                        .header(TENANT, tenant)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerTheOwnerWithTheStatusAndAnyOtherTenantAsIfTheJobDidNotExist() throws Exception {
        HttpResponse<String> own = get("/v1/jobs/a-running", "acme");
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode body = JSON.readTree(own.body());
        assertThat(body.path("requestId").asText()).isEqualTo("a-running");
        assertThat(body.path("tenantId").asText()).isEqualTo("acme");
        assertThat(body.path("state").asText()).isEqualTo("RUNNING");
        assertThat(body.path("terminal").asBoolean()).isFalse();
        assertThat(Instant.parse(body.path("updatedAt").asText())).isBefore(Instant.now());
        assertThat(get("/v1/jobs/g-queued", "globex").statusCode()).isEqualTo(200);

        HttpResponse<String> other = get("/v1/jobs/a-running", "globex");
        HttpResponse<String> unknown = get("/v1/jobs/no-such-job", "globex");

        for (HttpResponse<String> r : List.of(other, unknown)) {
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
        assertThat(JSON.readTree(other.body()).path("type").asText())
                .isEqualTo("https://sluice.dev/problems/not-found");
        assertThat(other.body())
                .doesNotContain("acme", "RUNNING")
                .isEqualTo(unknown.body().replace("no-such-job", "a-running"));
    }

    @Test
    void shouldForgetAJobOnATombstone() throws Exception {
        write(setup, "t-gone", "acme", JobState.SUCCEEDED);
        await().alias("t-gone in the table")
                .atMost(Duration.ofSeconds(30))
                .until(() -> get("/v1/jobs/t-gone", "acme").statusCode() == 200);

        delete(setup, "t-gone");

        await().alias("t-gone removed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> table.get("t-gone").isEmpty());
        assertThat(get("/v1/jobs/t-gone", "acme").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldStreamTheCurrentStatusThenEveryTransitionInOrderAndEndAtTheTerminalOne() throws Exception {
        write(setup, "s-1", "acme", JobState.ACCEPTED);
        await().alias("s-1 in the table")
                .atMost(Duration.ofSeconds(30))
                .until(() -> table.get("s-1").isPresent());

        try (EventStream stream = EventStream.open("s-1", "acme")) {
            await().alias("the current status, first")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> stream.events().size() == 1);
            write(setup, "s-1", "acme", JobState.QUEUED);
            write(setup, "s-1", "acme", JobState.RUNNING);
            write(setup, "s-1", "acme", JobState.SUCCEEDED);

            stream.ended.get(30, TimeUnit.SECONDS);
            assertStreamOf(stream, "ACCEPTED", "QUEUED", "RUNNING", "SUCCEEDED");
        }
        assertThat(table.subscriptions())
                .as("the stream's subscription is closed")
                .isZero();
    }

    private static void assertStreamOf(EventStream stream, String... states) throws Exception {
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.contentType()).startsWith("text/event-stream");
        List<Event> events = stream.events();
        assertThat(events).extracting(e -> e.data().path("state").asText()).containsExactly(states);
        assertThat(events).extracting(Event::name).containsOnly("status");
        assertThat(events)
                .extracting(Event::id)
                .isEqualTo(IntStream.rangeClosed(1, states.length)
                        .mapToObj(Integer::toString)
                        .toList());
        assertThat(events)
                .extracting(e -> e.data().path("terminal").asBoolean())
                .last()
                .isEqualTo(true);
        assertThat(events)
                .extracting(e -> e.data().path("terminal").asBoolean())
                .filteredOn(t -> t)
                .hasSize(1);
    }

    @Test
    void shouldWaitForTheFirstStatusOfAJobNotYetInTheTable() throws Exception {
        try (EventStream stream = EventStream.open("w-1", "acme")) {
            await().alias("the stream subscribed")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> table.subscriptions() == 1);

            write(setup, "w-1", "acme", JobState.QUEUED);
            write(setup, "w-1", "acme", JobState.REJECTED);

            stream.ended.get(30, TimeUnit.SECONDS);
            assertStreamOf(stream, "QUEUED", "REJECTED");
        }
    }

    @Test
    void shouldAnswerAStreamOfAnotherTenantsJobAsOfAnUnknownOneAfterTheSameWait() throws Exception {
        long start = System.nanoTime();
        try (EventStream other = EventStream.open("a-running", "globex");
                EventStream unknown = EventStream.open("never-written", "globex")) {
            assertThat(other.status()).isEqualTo(404);
            assertThat(unknown.status()).isEqualTo(404);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            other.ended.get(30, TimeUnit.SECONDS);

            assertThat(other.contentType()).isEqualTo("application/problem+json");
            assertThat(String.join("\n", other.lines)).doesNotContain("acme", "RUNNING");
            assertThat(took).as("both waited for a first status").isGreaterThanOrEqualTo(WAIT);
        }
    }

    @Test
    void shouldUnsubscribeWhenTheClientGoesAway() throws Exception {
        try (Socket ignored = rawStream("a-running", "acme")) {
            assertThat(table.subscriptions()).isEqualTo(1);
        }
        await().alias("the listener of a closed stream removed")
                .atMost(Duration.ofSeconds(10))
                .until(() -> table.subscriptions() == 0);
    }

    @Test
    void shouldRefuseStreamsBeyondTheLimitWith503() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_STREAMS; i++) {
                open.add(rawStream("a-running", "acme"));
            }
            try (EventStream refused = EventStream.open("a-running", "acme")) {
                assertThat(refused.status()).isEqualTo(503);
                refused.ended.get(30, TimeUnit.SECONDS);
                assertThat(refused.contentType()).isEqualTo("application/problem+json");
                assertThat(refused.lines).anySatisfy(l -> assertThat(l).contains("status streams"));
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        await().alias("every stream closed").atMost(Duration.ofSeconds(10)).until(() -> table.subscriptions() == 0);
        try (Socket ignored = rawStream("g-queued", "globex")) {
            assertThat(table.subscriptions()).as("a stream opens again").isEqualTo(1);
        }
    }

    @Test
    void shouldServeFromItsStoreAfterARestartReadingOnlyWhatIsNew(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Setup own = setup(kafka, dir.resolve("state"));
        write(own, "r-1", "acme", JobState.SUCCEEDED);
        write(own, "r-2", "acme", JobState.RUNNING);
        MeterRegistry first = new SimpleMeterRegistry();
        try (JobStatusTable t = new JobStatusTable(own.kafka(), own.config(), first).start()) {
            assertThat(t.awaitReady(Duration.ofSeconds(60))).isTrue();
            assertThat(t.get("r-2")).map(JobStatus::state).hasValue(JobState.RUNNING);
            assertThat(recordsRead(first)).isEqualTo(2);
        }
        write(own, "r-3", "globex", JobState.QUEUED);

        MeterRegistry second = new SimpleMeterRegistry();
        try (JobStatusTable t = new JobStatusTable(own.kafka(), own.config(), second).start()) {
            assertThat(t.awaitReady(Duration.ofSeconds(60))).isTrue();

            assertThat(t.get("r-1")).map(JobStatus::state).hasValue(JobState.SUCCEEDED);
            assertThat(t.get("r-2")).map(JobStatus::state).hasValue(JobState.RUNNING);
            assertThat(t.get("r-3")).map(JobStatus::tenantId).hasValue("globex");
            assertThat(recordsRead(second))
                    .as("records read after the restart: only the new one")
                    .isEqualTo(1);
        }
    }

    private static double recordsRead(MeterRegistry registry) {
        return registry.get("sluice_ingest_status_records").functionCounter().count();
    }

    /** Opens a status stream over a raw socket and reads up to its first event's data line. */
    private static Socket rawStream(String requestId, String tenant) throws Exception {
        Socket socket = new Socket("127.0.0.1", app.port());
        socket.setSoTimeout(30_000);
        socket.getOutputStream()
                .write(("GET /v1/jobs/" + requestId + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TENANT + ": " + tenant
                                + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        assertThat(line).startsWith("HTTP/1.1 200");
        while (line != null && !line.startsWith("data:")) {
            line = in.readLine();
        }
        assertThat(line).as("the stream's first event").startsWith("data:");
        return socket;
    }

    private record Event(String name, String id, JsonNode data) {}

    /** A status stream read line by line with java.net.http, as it arrives. */
    private static final class EventStream implements AutoCloseable {
        final CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> ended;

        private EventStream(CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response) {
            this.response = response;
            // Its own thread: a long stream must not hold the common pool (one thread on two cores).
            this.ended = response.thenAcceptAsync(
                    r -> r.body().forEach(lines::add),
                    task -> Thread.ofVirtual().start(task));
        }

        static EventStream open(String requestId, String tenant) {
            return new EventStream(HTTP.sendAsync(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + app.port() + "/v1/jobs/" + requestId + "/events"))
                            .header(TENANT, tenant)
                            .header("Accept", "text/event-stream")
                            .build(),
                    HttpResponse.BodyHandlers.ofLines()));
        }

        int status() throws Exception {
            return response.get(30, TimeUnit.SECONDS).statusCode();
        }

        /** Drops the connection, whatever the stream's state, so a failed test leaves no stream open. */
        @Override
        public void close() {
            if (!response.cancel(true) && !response.isCompletedExceptionally()) {
                response.join().body().close();
            }
        }

        String contentType() {
            return response.join().headers().firstValue("Content-Type").orElse("");
        }

        /** Events complete so far (ended by a blank line); comment lines (heartbeats) skipped. */
        List<Event> events() {
            List<Event> out = new ArrayList<>();
            String name = null;
            String id = null;
            String data = null;
            for (String line : lines) {
                if (line.isEmpty()) {
                    if (data != null) {
                        out.add(new Event(name, id, parse(data)));
                    }
                    name = null;
                    id = null;
                    data = null;
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("data:")) {
                    data = line.substring(5).strip();
                }
            }
            return out;
        }

        private static JsonNode parse(String json) {
            try {
                return JSON.readTree(json);
            } catch (Exception e) {
                throw new IllegalStateException("Not JSON: " + json, e);
            }
        }
    }
}
