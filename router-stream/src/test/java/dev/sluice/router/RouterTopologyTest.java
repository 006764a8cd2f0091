package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.DeadLetter;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.streams.DeadLetterHandler;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterTopologyTest {
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    private final Topics topics = new Topics("llm.");
    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();
    private String scope;
    private SluiceSerdes serdes;
    private TopologyTestDriver driver;
    private TestInputTopic<String, LlmRequest> requests;

    @BeforeEach
    void startDriver() {
        scope = "router-" + UUID.randomUUID();
        serdes = new SluiceSerdes(InMemorySchemaRegistry.forScope(scope));
        Topology topology = topology();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "router-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        // The driver drops records sent outside process() under EOS (its producer.clear() also
        // clears uncommitted sends), which loses dead letters written while a record is enqueued.
        // The topology is the same either way; RouterIT proves exactly-once on a real broker.
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(DeadLetterHandler.TOPIC, topics.deadLetters());
        props.put(DeadLetterHandler.SERVICE, "router-test");
        props.put(SerdeConfig.SCHEMA_REGISTRY_URL, SerdeConfig.MOCK_SCHEME + scope);
        driver = new TopologyTestDriver(topology, props);
        requests = driver.createInputTopic(topics.requests(), new StringSerializer(), serdes.requests().serializer());
    }

    private Topology topology() {
        return new RouterTopology(topics, serdes, new RouterRules(catalogue, Tier.MEDIUM),
                Clock.fixed(NOW, ZoneOffset.UTC)).build();
    }

    @AfterEach
    void closeDriver() {
        driver.close();
        InMemorySchemaRegistry.dropScope(scope);
    }

    private TestOutputTopic<String, LlmJob> jobs(Tier tier, Priority priority) {
        return driver.createOutputTopic(topics.job(tier, priority), new StringDeserializer(),
                serdes.jobs().deserializer());
    }

    private TestOutputTopic<String, LlmResult> completions() {
        return driver.createOutputTopic(topics.completions(), new StringDeserializer(),
                serdes.results().deserializer());
    }

    private static LlmRequest request(String id, String prompt) {
        return LlmRequest.of(id, "acme", prompt, NOW.minusSeconds(1));
    }

    private static LlmRequest with(LlmRequest r, Tier tier, Priority priority, String model, List<Message> messages,
            Instant deadline) {
        return new LlmRequest(r.requestId(), r.tenantId(), r.idempotencyKey(), r.userId(), priority, deadline, model,
                tier, messages, r.maxOutputTokens(), r.temperature(), r.responseFormat(), r.webhook(), r.metadata(),
                r.createdAt());
    }

    @Test
    void shouldRouteARequestWithoutTierToTheDefaultTierKeyedByRequestId() {
        requests.pipeInput("acme", request("r-1", "Summarise the quarterly report."));

        TestRecord<String, LlmJob> job = jobs(Tier.MEDIUM, Priority.NORMAL).readRecord();
        assertThat(job.key()).isEqualTo("r-1");
        assertThat(job.value().tier()).isEqualTo(Tier.MEDIUM);
        assertThat(job.value().modelChain()).isEqualTo(catalogue.chain(Tier.MEDIUM));
        assertThat(job.value().estimatedInputTokens()).isGreaterThan(6);
        assertThat(job.value().estimatedCostMicros()).isPositive();
        assertThat(job.value().routedAt()).isEqualTo(NOW);
        assertThat(job.value().routeReason()).contains("source=default");
        assertThat(completions().isEmpty()).isTrue();
    }

    @Test
    void shouldRouteToTheTopicOfTheRequestedTierAndPriority() {
        LlmRequest r = with(request("r-2", "hello"), Tier.SMALL, Priority.HIGH, null,
                List.of(Message.user("hello")), null);
        requests.pipeInput("acme", r);

        assertThat(jobs(Tier.SMALL, Priority.HIGH).readKeyValue().key).isEqualTo("r-2");
        assertThat(jobs(Tier.MEDIUM, Priority.NORMAL).isEmpty()).isTrue();
    }

    @Test
    void shouldPutAnExplicitModelFirstAndKeepTheTierChainAsFallback() {
        LlmRequest r = with(request("r-3", "hello"), Tier.LARGE, Priority.LOW, "gpt-4o",
                List.of(Message.user("hello")), null);
        requests.pipeInput("acme", r);

        LlmJob job = jobs(Tier.LARGE, Priority.LOW).readValue();
        assertThat(job.modelChain()).first().isEqualTo("gpt-4o");
        assertThat(job.modelChain()).containsAll(catalogue.chain(Tier.LARGE));
    }

    @Test
    void shouldEmitAQueuedStatusEventKeyedByTenant() {
        requests.pipeInput("acme", request("r-4", "hello"));

        var events = driver.createOutputTopic(topics.jobEvents(), new StringDeserializer(),
                serdes.jobStatus().deserializer());
        TestRecord<String, JobStatus> event = events.readRecord();
        assertThat(event.key()).isEqualTo("acme");
        assertThat(event.value().state()).isEqualTo(JobState.QUEUED);
        assertThat(event.value().requestId()).isEqualTo("r-4");
        assertThat(event.value().detail()).isEqualTo(topics.job(Tier.MEDIUM, Priority.NORMAL));
    }

    @Test
    void shouldRejectARequestWithNoMessagesWithItsReason() {
        requests.pipeInput("acme", with(request("r-5", "x"), null, Priority.NORMAL, null, List.of(), null));

        TestRecord<String, LlmResult> result = completions().readRecord();
        assertThat(result.key()).isEqualTo("acme");
        assertThat(result.value().status()).isEqualTo(ResultStatus.REJECTED);
        assertThat(result.value().error().code()).isEqualTo(Reasons.EMPTY_MESSAGES);
        assertThat(result.value().requestId()).isEqualTo("r-5");
        assertThat(jobs(Tier.MEDIUM, Priority.NORMAL).isEmpty()).isTrue();
    }

    @Test
    void shouldRejectMessagesWhoseContentIsAllBlank() {
        requests.pipeInput("acme", with(request("r-6", "x"), null, Priority.NORMAL, null,
                List.of(Message.user("   "), Message.system("")), null));

        assertThat(completions().readValue().error().code()).isEqualTo(Reasons.EMPTY_MESSAGES);
    }

    @Test
    void shouldRejectAnUnknownModel() {
        requests.pipeInput("acme", with(request("r-7", "x"), null, Priority.NORMAL, "gpt-imaginary",
                List.of(Message.user("hi")), null));

        LlmResult result = completions().readValue();
        assertThat(result.error().code()).isEqualTo(Reasons.MODEL_UNKNOWN);
        assertThat(result.error().message()).contains("gpt-imaginary");
    }

    @Test
    void shouldRejectAJsonSchemaFormatWithoutASchema() {
        LlmRequest base = request("r-8", "x");
        LlmRequest r = new LlmRequest(base.requestId(), base.tenantId(), null, null, Priority.NORMAL, null, null, null,
                base.messages(), 100, 0.0, new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, null, null), null,
                Map.of(), base.createdAt());
        requests.pipeInput("acme", r);

        assertThat(completions().readValue().error().code()).isEqualTo(Reasons.INVALID_RESPONSE_FORMAT);
    }

    @Test
    void shouldExpireARequestWhoseDeadlinePassedBeforeRouting() {
        requests.pipeInput("acme", with(request("r-9", "x"), null, Priority.NORMAL, null,
                List.of(Message.user("hi")), NOW.minus(Duration.ofMillis(1))));

        LlmResult result = completions().readValue();
        assertThat(result.status()).isEqualTo(ResultStatus.EXPIRED);
        assertThat(result.error().code()).isEqualTo(Reasons.DEADLINE_PASSED);
    }

    @Test
    void shouldDeadLetterUndecodableBytesAndCarryOn() {
        TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.requests(), new StringSerializer(),
                new ByteArraySerializer());
        byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
        raw.pipeInput("acme", garbage);
        requests.pipeInput("acme", request("r-10", "still flowing"));

        assertThat(jobs(Tier.MEDIUM, Priority.NORMAL).readKeyValue().key).isEqualTo("r-10");
        var deadLetters = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(),
                serdes.deadLetters().deserializer());
        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.originalValue()).isEqualTo(garbage);
        assertThat(letter.sourceTopic()).isEqualTo(topics.requests());
        assertThat(letter.stage()).isEqualTo("deserialize");
        assertThat(letter.errorMessage()).contains("magic byte");
    }

    @Test
    void shouldKeepTheTopologyShapeSoInternalNamesNeverChangeByAccident() throws Exception {
        String expected;
        try (var in = getClass().getResourceAsStream("/router-topology.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(topology().describe().toString().strip()).isEqualTo(expected.strip());
    }
}
