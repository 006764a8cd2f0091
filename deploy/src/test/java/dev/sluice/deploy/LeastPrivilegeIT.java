package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.devstack.KafkaBroker;
import dev.sluice.devstack.registry.DevSchemaRegistry;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestService;
import dev.sluice.model.ApiKey;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's KafkaUsers, enforced by a real broker: a KRaft broker with Kafka's StandardAuthorizer
 * and a TLS listener where clients sign in with SCRAM-SHA-512, as Strimzi's is, given the topics of
 * the chart's KafkaTopics and exactly the ACLs of its KafkaUsers, as Strimzi's operators would
 * give them. Each service then runs with the configuration and environment its rendered container
 * gets (SASL_SSL, the cluster CA as a PEM file), signed in as its own user: a worker per tier
 * Deployment, a router, a sink, an ingest. Jobs must go through from a tenant's own
 * request topic and from the HTTP API; a tenant must not write anywhere else, and KEDA's user may
 * read lag but no record.
 */
class LeastPrivilegeIT {
    private static final String PASSWORD = "least-privilege-test";

    @TempDir
    static Path dir;

    private static KafkaBroker broker;
    private static DevSchemaRegistry registry;
    private static ProviderSimulator sim;
    private static dev.sluice.devstack.webhooks.WebhookReceiver webhooks;
    private static Path webhookSecret;
    private static String scramBootstrap;
    /** The broker's self-signed certificate, as PEM: the "cluster CA" clients trust. */
    private static Path clusterCa;

    private static List<JsonNode> chart;
    private static final List<SluiceService> services = new ArrayList<>();
    private static IngestService ingest;
    private static SluiceSerdes serdes;
    private static final Topics topics = new Topics("llm.");

    @BeforeAll
    static void startTheStackAsTheChartWouldHaveIt() throws Exception {
        chart = Chart.documents(Chart.render(List.of(), """
                topics:
                  tenantPartitions: 2
                  jobPartitions: 2
                  replicationFactor: 1
                tenants:
                  - id: acme
                """));

        int plain = freePort();
        int controller = freePort();
        int scram = freePort();
        scramBootstrap = "127.0.0.1:" + scram;
        Path brokerKeys = tls(dir.resolve("tls"));
        clusterCa = dir.resolve("tls/ca.crt");
        broker = KafkaBroker.builder()
                .dataDir(dir.resolve("kafka"))
                .port(plain)
                .controllerPort(controller)
                .heapMb(384)
                .config(
                        "listeners",
                        "PLAINTEXT://127.0.0.1:" + plain + ",CONTROLLER://127.0.0.1:" + controller
                                + ",SASL_SSL://127.0.0.1:" + scram)
                .config("advertised.listeners", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_SSL://" + scramBootstrap)
                .config("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL")
                .config("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .config(
                        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .config("ssl.keystore.type", "PKCS12")
                .config("ssl.keystore.location", brokerKeys.toString())
                .config("ssl.keystore.password", PASSWORD)
                .config("ssl.key.password", PASSWORD)
                .config("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                // The plain listener is the operator's (Strimzi's, here the test's): the broker and
                // controller themselves, the registry, and the test's own admin and readers.
                .config("super.users", "User:ANONYMOUS")
                .build()
                .start(Duration.ofSeconds(120));
        registry = DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, DevSchemaRegistry.DEFAULT_TOPIC);
        serdes = new SluiceSerdes(new RestSchemaRegistry(registry.url()));
        sim = ProviderSimulator.start(SimConfig.defaults());
        String secret = "whsec_"
                + java.util.Base64.getEncoder()
                        .encodeToString(
                                "least-privilege-webhook-secret!!".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        webhookSecret = java.nio.file.Files.writeString(dir.resolve("acme.whsec"), secret);
        webhooks = dev.sluice.devstack.webhooks.WebhookReceiver.start(secret, "127.0.0.1", 0);
        // Each delivery's first try fails, so the sink's retry path (its topic and group) runs too.
        Set<String> tried = ConcurrentHashMap.newKeySet();
        webhooks.answerWith(r -> tried.add(r.webhookId()) ? 503 : 204);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            applyTopicsAndUsers(admin);
        }
        registerTenantAndKey();

        for (Map.Entry<JsonNode, JsonNode> workload :
                (Iterable<Map.Entry<JsonNode, JsonNode>>) Chart.containers(chart)::iterator) {
            String service = workload.getValue().path("name").asText();
            if (Services.READERS.containsKey(service)) {
                services.add(start(workload.getKey().at("/metadata/name").asText(), service, workload.getValue()));
            }
        }
        await().alias("every service ready under its least-privilege user")
                .atMost(Duration.ofSeconds(120))
                .until(() -> services.stream().allMatch(SluiceService::ready));
    }

    @AfterAll
    static void stop() throws Exception {
        for (SluiceService s : services.reversed()) {
            s.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (webhooks != null) {
            webhooks.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** What Strimzi's operators do with the chart's KafkaTopics and KafkaUsers. */
    private static void applyTopicsAndUsers(Admin admin) throws Exception {
        List<NewTopic> newTopics = new ArrayList<>();
        Chart.ofKind(chart, "KafkaTopic").forEach(t -> {
            Map<String, String> configs = new HashMap<>();
            t.at("/spec/config")
                    .properties()
                    .forEach(e -> configs.put(e.getKey(), e.getValue().asText()));
            newTopics.add(new NewTopic(
                            t.at("/spec/topicName").asText(),
                            t.at("/spec/partitions").asInt(),
                            (short) t.at("/spec/replicas").asInt())
                    .configs(configs));
        });
        admin.createTopics(newTopics).all().get();
        // Services write the moment they start; a partition its leader has not made yet can lose
        // a first batch (KAFKA-15591, ADR 0028).
        TopicCreator.awaitWritable(admin, newTopics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));

        List<AclBinding> acls = new ArrayList<>();
        List<UserScramCredentialUpsertion> users = new ArrayList<>();
        Chart.ofKind(chart, "KafkaUser").forEach(u -> {
            String user = u.at("/metadata/name").asText();
            assertThat(u.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
            users.add(new UserScramCredentialUpsertion(
                    user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD));
            for (JsonNode acl : u.at("/spec/authorization/acls")) {
                ResourcePattern resource = new ResourcePattern(
                        switch (acl.at("/resource/type").asText()) {
                            case "topic" -> ResourceType.TOPIC;
                            case "group" -> ResourceType.GROUP;
                            case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
                            default ->
                                throw new AssertionError("a resource type Strimzi has but the test does not: " + acl);
                        },
                        acl.at("/resource/name").asText(),
                        acl.at("/resource/patternType").asText().equals("prefix")
                                ? PatternType.PREFIXED
                                : PatternType.LITERAL);
                for (JsonNode op : acl.path("operations")) {
                    acls.add(new AclBinding(
                            resource,
                            new AccessControlEntry(
                                    "User:" + user,
                                    "*",
                                    AclOperation.valueOf(op.asText().toUpperCase(java.util.Locale.ROOT)),
                                    AclPermissionType.ALLOW)));
                }
            }
        });
        admin.alterUserScramCredentials(new ArrayList<>(users)).all().get();
        admin.createAcls(acls).all().get();
        awaitAppliedByTheBroker(admin, users.stream().map(u -> u.user()).toList(), acls);
    }

    /**
     * Both calls above return once the controller has committed the change; the broker applies it
     * when it replays the metadata log, in order, after making the partitions of every topic
     * created before it. A client signing in before then is refused ("invalid credentials"): ten
     * of ten users created right after 30 new topics were (docs/benchmarks.md). The services wait
     * for that themselves ({@code BrokerWait} retries until they sign in), but the test's own
     * clients, the operator's first of all, do not; so the test waits until the broker's
     * authorizer lists every binding and every user signs in.
     */
    private static void awaitAppliedByTheBroker(Admin admin, List<String> users, List<AclBinding> acls) {
        await().alias("the broker's authorizer holds every ACL")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() ->
                        admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(acls));
        users.forEach(LeastPrivilegeIT::awaitSignIn);
    }

    private static void awaitSignIn(String user) {
        await().alias(user + " signs in with SCRAM-SHA-512")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> signsIn(user));
    }

    private static boolean signsIn(String user) throws Exception {
        try (Admin as = Admin.create(client(user))) {
            as.describeCluster().clusterId().get(30, java.util.concurrent.TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SaslAuthenticationException) {
                return false;
            }
            throw e;
        }
    }

    private static String apiKey;

    /** As the operator's CLI does, signed in as the chart's operator KafkaUser. */
    private static void registerTenantAndKey() throws Exception {
        ApiKeys.Issued issued = ApiKeys.issue(new SecureRandom());
        apiKey = issued.key();
        try (var producer = producer("sluice-operator")) {
            TenantConfig acme = new TenantConfig(
                    "acme",
                    "acme",
                    null,
                    null,
                    null,
                    null,
                    null,
                    new TenantConfig.Webhooks(List.of(webhooks.url()), List.of("file:" + webhookSecret)),
                    null,
                    null,
                    null,
                    3600,
                    1,
                    Instant.now());
            producer.send(new ProducerRecord<>(
                            topics.tenants(),
                            "acme",
                            serdes.tenants().serializer().serialize(topics.tenants(), acme)))
                    .get();
            ApiKey key = new ApiKey(issued.keyId(), "acme", issued.sha256(), "least privilege", Instant.now(), null);
            producer.send(new ProducerRecord<>(
                            topics.apiKeys(),
                            key.keyId(),
                            serdes.apiKeys().serializer().serialize(topics.apiKeys(), key)))
                    .get();
        }
    }

    /**
     * A service with its rendered configuration and environment, as its pod would start it, but
     * with the test's broker, registry, simulator, paths and ports.
     */
    private static SluiceService start(String workload, String service, JsonNode container) throws Exception {
        Map<String, String> file = Chart.config(chart);
        assertThat(file)
                .containsEntry("kafka.client.sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("kafka.client.security.protocol", "SASL_SSL")
                .containsEntry("kafka.client.ssl.truststore.type", "PEM");
        file.put("kafka.bootstrap.servers", scramBootstrap);
        file.put("schema.registry.url", registry.url());
        file.put("kafka.client.ssl.truststore.location", clusterCa.toString());
        file.put("providers.openai.base.url", sim.baseUrl());
        file.put("ops.port", "0");
        // The receiver is on this host, which the SSRF guard refuses unless allowed; one quick retry.
        file.put("webhooks.allowed.hosts", "127.0.0.1");
        file.put("webhooks.backoff", "1s");
        file.put("ingest.port", "0");

        Map<String, String> env = new HashMap<>();
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            String secret = e.at("/valueFrom/secretKeyRef/name").asText();
            if (name.equals("SLUICE_KAFKA_CLIENT_SASL_JAAS_CONFIG")) {
                // Strimzi's Secret for the KafkaUser the container names.
                env.put(
                        name,
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + secret
                                + "\" password=\"" + PASSWORD + "\";");
            } else if (name.endsWith("_STATE_DIR")) {
                env.put(name, dir.resolve("state").resolve(workload).toString());
            } else if (!secret.isEmpty()) {
                env.put(name, "sk-from-" + secret);
            } else if (name.startsWith("SLUICE_")) {
                env.put(name, e.path("value").asText());
            }
        }
        Settings settings = new Settings(ConfigSource.of(file, env));
        Object config = Services.READERS.get(service).apply(settings);
        settings.validate();
        SluiceService s = switch (service) {
            case "router-stream" -> new RouterService((RouterConfig) config);
            case "worker-pool" -> new WorkerService((WorkerConfig) config);
            case "result-sink" -> new SinkService((SinkConfig) config);
            default -> ingest = new IngestService((IngestConfig) config);
        };
        s.start();
        return s;
    }

    @Test
    void shouldRunJobsFromATenantsOwnTopicAndFromTheApiWithEachServiceHoldingOnlyItsOwnAcls() throws Exception {
        Set<String> expected = ConcurrentHashMap.newKeySet();
        try (var tenant = producer("sluice-tenant-acme")) {
            for (int i = 0; i < 5; i++) {
                LlmRequest r = LlmRequest.of("topic-" + i, "acme", "What is " + i + " + 1?", Instant.now());
                String topic = topics.tenantRequests("acme").orElseThrow();
                tenant.send(new ProducerRecord<>(
                                topic, "acme", serdes.requests().serializer().serialize(topic, r)))
                        .get();
                expected.add(r.requestId());
            }
        }
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> accepted = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.port() + "/v1/jobs"))
                            .header("Authorization", "Bearer " + apiKey)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"messages\":[{\"role\":\"user\",\"content\":" + "\"What is " + i + " + 2?\"}]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            expected.add(Chart.YAML.readTree(accepted.body()).path("requestId").asText());
        }

        Map<String, LlmResult> results = new ConcurrentHashMap<>();
        try (var reader = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        broker.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "least-privilege-reader",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            reader.subscribe(List.of(topics.results()));
            await().alias("a result on llm.results for each job")
                    .atMost(Duration.ofSeconds(120))
                    .until(() -> {
                        reader.poll(Duration.ofMillis(200)).forEach(r -> {
                            LlmResult result = serdes.results().deserializer().deserialize(topics.results(), r.value());
                            results.put(result.requestId(), result);
                        });
                        return results.keySet().containsAll(expected);
                    });
        }
        assertThat(expected)
                .allSatisfy(id -> assertThat(results.get(id).status())
                        .as(id + ": " + results.get(id).error())
                        .isEqualTo(ResultStatus.SUCCEEDED));
        // Each result's webhook, signed, after a first try that failed and a retry through
        // llm.webhooks.retry.1: the dispatcher's and the retry level's groups and topics.
        await().alias("a verified webhook accepted for every result")
                .atMost(Duration.ofSeconds(60))
                .until(() -> webhooks.received().stream()
                        .filter(r -> r.verified() && r.answeredStatus() == 204)
                        .map(r -> r.webhookId())
                        .collect(java.util.stream.Collectors.toSet())
                        .containsAll(expected));
        assertThat(webhooks.received())
                .filteredOn(r -> r.answeredStatus() == 503)
                .hasSizeGreaterThanOrEqualTo(10);
    }

    /**
     * A user made right after many topics, as an operator applying the chart makes them, signs in
     * once the wait above says so. It doubles as the measurement in docs/benchmarks.md:
     * {@code -Dsluice.scram.wait=none} signs in at once instead and fails, having printed each
     * round; {@code -Dsluice.scram.rounds} sets the rounds.
     */
    @Test
    void shouldSignANewUserInOnceTheBrokerSaysSoEvenBehindNewTopics() throws Exception {
        int rounds = Integer.getInteger("sluice.scram.rounds", 3);
        Map<String, Integer> refused = new java.util.LinkedHashMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            for (String wait : System.getProperty("sluice.scram.wait", "signin").split(",")) {
                refused.put(wait, 0);
                for (int round = 0; round < rounds; round++) {
                    String name = "scram-race-" + wait + "-" + round;
                    List<NewTopic> behind = new ArrayList<>();
                    for (int t = 0; t < 30; t++) {
                        behind.add(new NewTopic(name + "-" + t, 4, (short) 1));
                    }
                    admin.createTopics(behind).all().get();
                    long start = System.nanoTime();
                    admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                                    name, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD)))
                            .all()
                            .get();
                    if (!wait.equals("none")) {
                        awaitSignIn(name);
                    }
                    boolean in = signsIn(name);
                    refused.merge(wait, in ? 0 : 1, Integer::sum);
                    System.out.printf(
                            "scram round %d (wait %s): %s after %d ms%n",
                            round, wait, in ? "signed in" : "refused", (System.nanoTime() - start) / 1_000_000);
                }
            }
        }
        System.out.printf("scram: rounds refused of %d per wait: %s%n", rounds, refused);
        assertThat(refused)
                .as("rounds whose new user was refused, per wait")
                .allSatisfy((w, n) -> assertThat(n).isZero());
    }

    @Test
    void shouldKeepATenantToItsOwnRequestTopic() {
        try (var tenant = producer("sluice-tenant-acme")) {
            LlmRequest r = LlmRequest.of("posing", "acme", "hello", Instant.now());
            for (String topic : List.of(
                    topics.requests(),
                    topics.requests() + ".other",
                    topics.job(dev.sluice.model.Tier.SMALL, dev.sluice.model.Priority.NORMAL),
                    topics.results())) {
                assertThatThrownBy(() -> tenant.send(new ProducerRecord<>(
                                        topic,
                                        "acme",
                                        serdes.requests().serializer().serialize(topics.requests(), r)))
                                .get())
                        .as(topic)
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void shouldLetTheOperatorsCliReadGroupsLagAndTheDeadLetters() throws Exception {
        Map<String, Object> operator = client("sluice-operator");
        try (Admin admin = Admin.create(operator)) {
            assertThat(admin.listConsumerGroupOffsets("sluice-router")
                            .partitionsToOffsetAndMetadata()
                            .get())
                    .isNotNull();
        }
        try (var consumer = new KafkaConsumer<>(operator, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partition = new org.apache.kafka.common.TopicPartition(topics.deadLetters(), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            consumer.poll(Duration.ofMillis(500));
            assertThat(consumer.position(partition)).isNotNegative();
        }
    }

    @Test
    void shouldLetKedaReadTheWorkersLagButNoRecord() throws Exception {
        Map<String, Object> keda = client("sluice-keda");
        try (Admin admin = Admin.create(keda)) {
            assertThat(admin.listConsumerGroupOffsets("sluice-workers")
                            .partitionsToOffsetAndMetadata()
                            .get())
                    .isNotNull();
            assertThat(admin.describeTopics(
                                    List.of(topics.job(dev.sluice.model.Tier.SMALL, dev.sluice.model.Priority.NORMAL)))
                            .allTopicNames()
                            .get())
                    .hasSize(1);
        }
        keda.put(ConsumerConfig.GROUP_ID_CONFIG, "sluice-workers");
        try (var consumer = new KafkaConsumer<>(keda, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.job(dev.sluice.model.Tier.SMALL, dev.sluice.model.Priority.NORMAL)));
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 50; i++) {
                            consumer.poll(Duration.ofMillis(200));
                        }
                    })
                    .isInstanceOf(org.apache.kafka.common.errors.AuthorizationException.class);
        }
    }

    private static Map<String, Object> client(String user) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", scramBootstrap);
        c.put("security.protocol", "SASL_SSL");
        c.put("ssl.truststore.type", "PEM");
        c.put("ssl.truststore.location", clusterCa.toString());
        c.put("sasl.mechanism", "SCRAM-SHA-512");
        c.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                        + PASSWORD + "\";");
        return c;
    }

    private static KafkaProducer<String, byte[]> producer(String user) {
        Map<String, Object> c = client(user);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * The broker's key and self-signed certificate for 127.0.0.1, made by the JDK's keytool, and
     * the certificate as PEM in ca.crt beside it, as Strimzi's cluster CA Secret holds it.
     */
    private static Path tls(Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        Path store = dir.resolve("broker.p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        for (List<String> command : List.of(
                List.of(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        "broker",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "san=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        PASSWORD,
                        "-keypass",
                        PASSWORD),
                List.of(
                        keytool,
                        "-exportcert",
                        "-rfc",
                        "-alias",
                        "broker",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        PASSWORD,
                        "-file",
                        dir.resolve("ca.crt").toString()))) {
            Command.Result r = Command.run(command, dir, 60);
            assertThat(r.exit()).as(r.output()).isZero();
        }
        return store;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
