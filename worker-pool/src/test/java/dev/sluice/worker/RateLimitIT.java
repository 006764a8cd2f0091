package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A 429 storm on a real broker: another client of the same API key has used most of the
 * minute's requests when the worker starts. The simulator counts requests per key in fixed
 * one-minute windows (aligned to its clock's minute) and answers 429 over the limit.
 */
@SluiceKafka
class RateLimitIT {
    private static final int LIMIT = 200;
    private static final int USED_ELSEWHERE = 150;
    private static final int JOBS = 120;
    private static final int IN_FLIGHT = 32;
    private static final long WINDOW_MS = 60_000;

    @Test
    void shouldSlowDownToWhatTheKeyHasLeftAndFinishEveryJobThroughTheStorm(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        AtomicLong ahead = new AtomicLong();
        try (ProviderSimulator sim = ProviderSimulator.start(
                        SimConfig.defaults()
                                .withLatency(Duration.ofMillis(20), Duration.ZERO)
                                .withApiKeys(Set.of("sk-it"))
                                .withRateLimits(LIMIT, 1_000_000_000L),
                        () -> System.currentTimeMillis() + ahead.get());
                var producer = kafka.producer()) {
            Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
            values.put("providers.openai.base.url", sim.baseUrl());
            values.put("providers.openai.api.key", "sk-it");
            values.put("worker.max.in.flight", Integer.toString(IN_FLIGHT));
            values.put("worker.tiers", "small");
            Settings settings = new Settings(ConfigSource.of(values));
            WorkerConfig config = WorkerConfig.read(settings);
            settings.validate();
            TopicCreator.ensure(config.kafka());
            String topic = topics.job(Tier.SMALL, Priority.NORMAL);
            for (int i = 0; i < JOBS; i++) {
                LlmRequest r = LlmRequest.of("storm-" + i, "tenant-" + (i % 3), "Explain item " + i, Instant.now());
                producer.send(new ProducerRecord<>(
                        topic,
                        r.requestId(),
                        serdes.jobs()
                                .serializer()
                                .serialize(
                                        topic,
                                        new LlmJob(
                                                r,
                                                Tier.SMALL,
                                                List.of("gpt-4.1-mini"),
                                                10,
                                                100,
                                                null,
                                                null,
                                                "it",
                                                0,
                                                false,
                                                false,
                                                Instant.now()))));
            }
            producer.flush();

            // The storm needs most of a window: the simulator's clock runs ahead of the wall clock
            // by what starts its next minute now, so the other client starts at a window's start
            // wherever the wall clock is in its minute, and the window ends a minute from now.
            long now = System.currentTimeMillis();
            ahead.set((WINDOW_MS - now % WINDOW_MS) % WINDOW_MS);
            Instant windowEnd = Instant.ofEpochMilli(now + WINDOW_MS);
            useElsewhere(sim, USED_ELSEWHERE);

            try (WorkerService worker = new WorkerService(config)) {
                worker.start();
                List<LlmResult> results =
                        kafka.readUntil(topics.completions(), r -> r.size() >= JOBS, Duration.ofSeconds(150)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                                .toList();

                assertThat(results)
                        .hasSize(JOBS)
                        .extracting(LlmResult::requestId)
                        .doesNotHaveDuplicates();
                assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
                // The storm was real: what the key had left ran out, and the rest waited for the next window.
                long beforeReset = results.stream()
                        .filter(r -> r.completedAt().isBefore(windowEnd))
                        .count();
                assertThat(beforeReset)
                        .as("jobs done in the spent window")
                        .isPositive()
                        .isLessThanOrEqualTo(LIMIT - USED_ELSEWHERE);
                assertThat(results).anySatisfy(r -> assertThat(r.completedAt()).isAfter(windowEnd));
                // Slowed down before the 429s, not after: a worker that sends until it is refused
                // gets a 429 for every call in flight once the key is spent (32 here), and again
                // for each job it starts before the reset.
                assertThat(sim.stats().rateLimited())
                        .as("429s over the key's limit")
                        .isLessThanOrEqualTo(3);
                long attempts =
                        results.stream().mapToLong(r -> r.attempts().size()).sum();
                assertThat(attempts).as("provider calls").isLessThanOrEqualTo(JOBS + 3);
            }
        }
    }

    /** Another client of the same key: {@code count} quick calls. */
    private static void useElsewhere(ProviderSimulator sim, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"model\":\"gpt-4.1-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_completion_tokens\":5}";
        for (int i = 0; i < count; i++) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/chat/completions"))
                            .header("Authorization", "Bearer sk-it")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }
}
