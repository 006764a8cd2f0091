package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Schedules run on a clock the test moves, so no test waits for a window to open or close. */
class OutageTest {

    private static final long START = Instant.parse("2026-01-05T12:00:00Z").toEpochMilli();

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldAnswerTheOutageStatusOnlyInsideItsWindow() {
        start(SimConfig.defaults().withOutages(List.of(Outage.of(Duration.ofSeconds(5), Duration.ofSeconds(10), 503))));

        int before = statusAt(4_999);
        SimHttp.Reply opening = replyAt(5_000);
        int closing = statusAt(14_999);
        int after = statusAt(15_000);

        assertThat(before).isEqualTo(200);
        assertThat(opening.status()).isEqualTo(503);
        assertThat(opening.json().at("/error/message").asText())
                .isEqualTo("The engine is currently overloaded, please try again later.");
        assertThat(closing).isEqualTo(503);
        assertThat(after).isEqualTo(200);
    }

    @Test
    void shouldRepeatAPeriodicOutage() {
        start(SimConfig.defaults()
                .withOutages(List.of(
                        Outage.of(Duration.ZERO, Duration.ofSeconds(1), 529).repeatingEvery(Duration.ofMinutes(1)))));

        clock.set(START + 60_999);
        SimHttp.Reply second = http.anthropic(SimHttp.anthropicBody("periodic"));
        clock.set(START + 61_000);
        int between = http.anthropic(SimHttp.anthropicBody("periodic")).status();
        clock.set(START + 120_500);
        int third = http.anthropic(SimHttp.anthropicBody("periodic")).status();

        assertThat(second.status()).isEqualTo(529);
        assertThat(second.json().at("/error/type").asText()).isEqualTo("overloaded_error");
        assertThat(between).isEqualTo(200);
        assertThat(third).isEqualTo(529);
    }

    @Test
    void shouldOnlyAffectTheScopedProtocolAndModel() {
        start(SimConfig.defaults()
                .withOutages(List.of(Outage.of(Duration.ZERO, Duration.ofMinutes(1), 500)
                        .onlyFor("anthropic", "claude-sonnet-4-5"))));

        int openAi = http.openAi(SimHttp.openAiBody("scoped")).status();
        int otherModel = http.anthropic(
                        SimHttp.anthropicBody("scoped").replace("claude-sonnet-4-5", "claude-haiku-4-5"))
                .status();
        SimHttp.Reply hit = http.anthropic(SimHttp.anthropicBody("scoped"));

        assertThat(openAi).isEqualTo(200);
        assertThat(otherModel).isEqualTo(200);
        assertThat(hit.status()).isEqualTo(500);
        assertThat(hit.json().at("/error/type").asText()).isEqualTo("api_error");
    }

    @Test
    void shouldCountOffsetsFromTheUpdateThatSetTheOutagesAndNotRestartOnOtherUpdates() {
        start(SimConfig.defaults());
        clock.set(START + 3_600_000);
        String outages = """
                {"outages":[{"startMs":1000,"durationMs":5000,"status":502,"protocol":"openai"}]}""";
        assertThat(http.post("/sim/config", outages).status()).isEqualTo(200);
        long applied = clock.get();

        clock.set(applied + 999);
        int early = http.openAi(SimHttp.openAiBody("schedule")).status();
        clock.set(applied + 3_000);
        int during = http.openAi(SimHttp.openAiBody("schedule")).status();
        assertThat(http.post("/sim/config", "{\"latencyMs\":0}").status()).isEqualTo(200);
        assertThat(http.post("/sim/config", outages).status()).isEqualTo(200);
        clock.set(applied + 5_999);
        int stillDuring = http.openAi(SimHttp.openAiBody("schedule")).status();
        clock.set(applied + 6_000);
        int over = http.openAi(SimHttp.openAiBody("schedule")).status();

        assertThat(early).isEqualTo(200);
        assertThat(during).isEqualTo(502);
        assertThat(stillDuring)
                .as("an update that leaves the outages alone keeps the schedule")
                .isEqualTo(502);
        assertThat(over).isEqualTo(200);
    }

    @Test
    void shouldAnswerOnlyItsShareOfTheRequestsInAStormWindowWith429sThatSayWhenToComeBack() {
        start(SimConfig.defaults()
                .withOutages(List.of(
                        Outage.of(Duration.ZERO, Duration.ofSeconds(30), 429).atRate(0.5))));

        clock.set(START + 1_000);
        List<SimHttp.Reply> storm = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            storm.add(http.openAi(SimHttp.openAiBody("storm " + i)));
        }
        SimHttp.Reply anthropic429 = java.util.stream.Stream.generate(
                        () -> http.anthropic(SimHttp.anthropicBody("storm")))
                .limit(50)
                .filter(r -> r.status() == 429)
                .findFirst()
                .orElseThrow();
        clock.set(START + 30_000);
        List<Integer> after = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> http.openAi(SimHttp.openAiBody("after " + i)).status())
                .toList();

        List<SimHttp.Reply> limited =
                storm.stream().filter(r -> r.status() == 429).toList();
        assertThat(storm).extracting(SimHttp.Reply::status).containsOnly(200, 429);
        assertThat(limited).as("about half of 200").hasSizeBetween(70, 130);
        assertThat(limited).allSatisfy(r -> {
            assertThat(r.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(r.header("retry-after")).isEqualTo("1");
            assertThat(r.header("retry-after-ms")).isEqualTo("1000");
            assertThat(r.header("x-ratelimit-remaining-requests")).isEqualTo("0");
            assertThat(r.header("x-ratelimit-reset-requests")).isEqualTo("1s");
        });
        assertThat(anthropic429.json().at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(anthropic429.header("retry-after")).isEqualTo("1");
        assertThat(anthropic429.header("anthropic-ratelimit-requests-remaining"))
                .isEqualTo("0");
        assertThat(simulator.stats().outageResponses()).isEqualTo(limited.size() + 1);
        assertThat(simulator.stats().rateLimited())
                .as("not the key's own limit")
                .isZero();
        assertThat(after).as("the window is over").containsOnly(200);
    }

    @Test
    void shouldHangUntilTheClientGivesUp() {
        start(SimConfig.defaults().withOutages(List.of(Outage.hang(Duration.ZERO, Duration.ofMinutes(1)))));
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofMillis(500))
                .header("Authorization", "Bearer " + SimHttp.OPENAI_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SimHttp.openAiBody("hang")))
                .build();

        assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(simulator.stats().outageResponses()).isEqualTo(1);
    }

    @Test
    void shouldLetAForcedFaultWinAndCountOutagesApartFromInjectedFaults() {
        start(SimConfig.defaults().withOutages(List.of(Outage.of(Duration.ZERO, Duration.ofMinutes(1), 503))));

        int outage = http.openAi(SimHttp.openAiBody("counted")).status();
        int forced =
                http.openAi(SimHttp.openAiBody("counted"), "x-sim-fault", "500").status();

        assertThat(outage).isEqualTo(503);
        assertThat(forced).isEqualTo(500);
        assertThat(simulator.stats().outageResponses()).isEqualTo(1);
        assertThat(simulator.stats().injectedFaultsByStatus()).containsOnlyKeys(500);
    }

    @Test
    void shouldReadAndWriteOutagesThroughTheConfigEndpoint() {
        start(SimConfig.defaults());

        SimHttp.Reply reply = http.post("/sim/config", """
                {"outages":[{"startMs":0,"durationMs":1000,"status":"hang","everyMs":60000,"model":"gpt-4o"}]}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(simulator.config().outages())
                .containsExactly(Outage.hang(Duration.ZERO, Duration.ofSeconds(1))
                        .repeatingEvery(Duration.ofMinutes(1))
                        .onlyFor(null, "gpt-4o"));
        assertThat(http.get("/sim/config").json().at("/outages/0/status").asText())
                .isEqualTo("hang");
        assertThat(http.get("/sim/config").json().at("/outages/0/everyMs").asLong())
                .isEqualTo(60_000);
        assertThat(http.get("/sim/config").json().at("/outages/0/rate").asDouble())
                .isEqualTo(1.0);
    }

    @Test
    void shouldReadAStormsRateThroughTheConfigEndpoint() {
        start(SimConfig.defaults());

        SimHttp.Reply reply = http.post("/sim/config", """
                {"outages":[{"startMs":0,"durationMs":30000,"status":429,"rate":0.5}]}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(simulator.config().outages())
                .containsExactly(
                        Outage.of(Duration.ZERO, Duration.ofSeconds(30), 429).atRate(0.5));
        assertThat(http.get("/sim/config").json().at("/outages/0/rate").asDouble())
                .isEqualTo(0.5);
    }

    @Test
    void shouldRejectBadOutagesListingEveryProblem() {
        start(SimConfig.defaults());

        SimHttp.Reply reply = http.post("/sim/config", """
                {"outages":[{"startMs":-1,"durationMs":1000,"status":200},
                            {"durationMs":"long","colour":"red"},
                            {"startMs":0,"durationMs":5000,"everyMs":1000,"protocol":"gemini"},
                            {"startMs":0,"durationMs":5000,"status":429,"rate":1.5},
                            {"startMs":0,"durationMs":5000,"status":429,"rate":"half"}]}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText())
                .contains("outages[1].startMs is required")
                .contains("outages[1].durationMs must be an integer")
                .contains("outages[1]: unknown key 'colour'")
                .contains("outages[0].start must be ≥ 0")
                .contains("outages[0].status must be an HTTP error status 400..599 or hang, got 200")
                .contains("every must be 0 (once) or at least the duration")
                .contains("protocol must be openai or anthropic, got 'gemini'")
                .contains("outages[3].rate must be more than 0 and at most 1, got 1.5")
                .contains("outages[4].rate must be a number, got \"half\"");
        assertThat(simulator.config().outages()).isEmpty();
    }

    private void start(SimConfig config) {
        simulator = ProviderSimulator.start(config, clock::get);
        http = new SimHttp(simulator);
    }

    private int statusAt(long offsetMillis) {
        return replyAt(offsetMillis).status();
    }

    private SimHttp.Reply replyAt(long offsetMillis) {
        clock.set(START + offsetMillis);
        return http.openAi(SimHttp.openAiBody("outage"));
    }
}
