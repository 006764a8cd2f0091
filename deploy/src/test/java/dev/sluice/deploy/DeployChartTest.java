package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import dev.sluice.router.RouterConfig;
import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Helm chart as a cluster would get it: rendered by Helm for the production defaults, the dev
 * overlay and a layout far from both, then held to the Kubernetes, Strimzi, KEDA and Prometheus
 * Operator schemas and to the services themselves: the topic catalogue, each service's
 * configuration reader, its ops port and probes, its group.
 */
class DeployChartTest {

    /** The values a chart is rendered with. */
    enum Variant {
        PRODUCTION(List.of(), null),
        DEV(List.of("values-dev.yaml"), null),
        /** Every optional part on, and a topic layout unlike the defaults. */
        WIDE(List.of(), """
                topics:
                  prefix: acme_prod.
                  tenantPartitions: 3
                  jobPartitions: 4
                  replicationFactor: 2
                  webhookRetryLevels: 2
                  maxRecordBytes: 2000000
                tenants:
                  - id: acme
                  - id: Beta_Team.eu
                semanticEmbeddings:
                  apiKeySecret: embeddings-key
                schemaRegistry:
                  basicAuthSecret: registry-auth
                  deploy: true
                providers:
                  names: [openai, anthropic]
                config:
                  router.dedupe.window: 12h
                  webhooks.allowed.hosts: hooks.internal.example.com
                  ingest.idempotency.max.keys: 2000000
                  webhooks.backoff: 5s,2m
                metrics:
                  podMonitor: true
                providerSim:
                  enabled: true
                workers:
                  tiers:
                    small: {minReplicas: 2, maxReplicas: 40, lagThreshold: 1000000}
                    large: {minReplicas: 1, maxReplicas: 3, lagThreshold: 10}
                """);

        final List<String> valuesFiles;
        final String values;

        Variant(List<String> valuesFiles, String values) {
            this.valuesFiles = valuesFiles;
            this.values = values;
        }

        String render() {
            return Chart.render(
                    valuesFiles.stream().map(f -> Chart.helmDir().resolve(f)).toList(), values);
        }

        List<JsonNode> documents() {
            return Chart.documents(render());
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void shouldRenderOnlyManifestsValidAgainstTheKubernetesStrimziKedaAndPrometheusOperatorSchemas(
            Variant variant, @TempDir Path dir) throws Exception {
        String rendered = variant.render();
        Path file = Files.writeString(dir.resolve(variant + ".yaml"), rendered);

        ManifestValidator.Report report = ManifestValidator.validate(file);

        assertThat(report.problems()).as(report.output()).isEmpty();
        assertThat(report.valid())
                .as("every document validated")
                .isEqualTo(Chart.documents(rendered).size());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"strimzi-kafka.yaml", "strimzi-kafka-dev.yaml"})
    void shouldOfferStrimziClusterExamplesValidAgainstStrimzisSchemas(String file) throws Exception {
        Path example = Chart.helmDir().resolve("examples").resolve(file);

        ManifestValidator.Report report = ManifestValidator.validate(example);

        assertThat(report.problems()).as(report.output()).isEmpty();
        assertThat(report.valid()).isEqualTo(2);
    }

    @Test
    void shouldMatchTheDevOverlayToTheDevClustersPlainListenerWithoutUsers() throws IOException {
        JsonNode kafka =
                Chart.documents(Files.readString(Chart.helmDir().resolve("examples/strimzi-kafka-dev.yaml"))).stream()
                        .filter(d -> d.path("kind").asText().equals("Kafka"))
                        .findFirst()
                        .orElseThrow();
        List<JsonNode> docs = Variant.DEV.documents();

        assertThat(kafka.at("/spec/kafka/authorization").isMissingNode()).isTrue();
        assertThat(kafka.at("/spec/kafka/listeners/0/port").asInt()).isEqualTo(9092);
        assertThat(Chart.config(docs).get("kafka.bootstrap.servers")).endsWith(":9092");
        assertThat(Chart.config(docs)).doesNotContainKey("kafka.client.security.protocol");
        assertThat(Chart.ofKind(docs, "KafkaUser")).isEmpty();
    }

    @Test
    void shouldCatchAManifestTheSchemasRefuseAndOneNoSchemaDescribes(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata: {name: t}
                spec: {partitions: "twelve", replicas: 1}
                ---
                apiVersion: example.com/v1
                kind: Unknown
                metadata: {name: u}
                """);

        ManifestValidator.Report report = ManifestValidator.validate(file);

        assertThat(report.problems()).hasSize(2);
        assertThat(report.output()).contains("partitions must be integer").contains("no schema for example.com/v1");
    }

    @Test
    void shouldPassHelmLintStrictly() {
        LintResult lint = new Helm(Chart.chartDir()).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void shouldDeclareExactlyTheTopicsOfTheCatalogueForTheSameLayout(Variant variant) {
        List<JsonNode> docs = variant.documents();
        KafkaSettings kafka = KafkaSettings.read(new Settings(ConfigSource.of(Chart.config(docs))));

        List<Topics.TopicSpec> expected = new ArrayList<>(kafka.topics().all(kafka.layout()));
        tenants(docs)
                .forEach(t -> expected.add(
                        kafka.topics().tenantRequestsSpec(t, kafka.layout()).orElseThrow()));

        Map<String, String> declared = new TreeMap<>();
        // All but the schema registry's own topic, when the chart runs one.
        List<JsonNode> sluiceTopics = Chart.ofKind(docs, "KafkaTopic")
                .filter(t -> !t.at("/spec/topicName").asText().equals("_schemas"))
                .toList();
        for (JsonNode t : sluiceTopics) {
            JsonNode spec = t.path("spec");
            Map<String, String> configs = new TreeMap<>();
            spec.path("config")
                    .properties()
                    .forEach(e -> configs.put(e.getKey(), e.getValue().asText()));
            assertThat(t.path("metadata")
                            .path("labels")
                            .path("strimzi.io/cluster")
                            .asText())
                    .isEqualTo("sluice");
            declared.put(
                    spec.path("topicName").asText(),
                    spec.path("partitions").asInt() + " × "
                            + spec.path("replicas").asInt() + " " + configs);
        }
        Map<String, String> catalogue = expected.stream()
                .collect(Collectors.toMap(
                        Topics.TopicSpec::name,
                        s -> s.partitions() + " × " + s.replication() + " " + new TreeMap<>(s.configs()),
                        (a, b) -> a,
                        TreeMap::new));
        assertThat(declared).isEqualTo(catalogue);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void shouldGiveEveryServiceAConfigurationItAccepts(Variant variant, @TempDir Path dir) throws IOException {
        List<JsonNode> docs = variant.documents();
        Path file = Files.writeString(
                dir.resolve("sluice.yaml"),
                Chart.named(docs, "ConfigMap", "sluice-config")
                        .path("data")
                        .path("sluice.yaml")
                        .asText());

        Set<String> checked = new TreeSet<>();
        services(docs).forEach(workload -> {
            JsonNode container = workload.getValue();
            String service = container.path("name").asText();
            Settings.read(ConfigSource.load(file, environment(container)), Services.READERS.get(service));
            checked.add(service);
        });
        assertThat(checked).containsExactlyInAnyOrderElementsOf(Services.READERS.keySet());
    }

    @Test
    void shouldRefuseASettingNoServiceKnowsAsTheServiceWouldAtStart(@TempDir Path dir) throws IOException {
        List<JsonNode> docs = Chart.documents(Chart.render(List.of(), "config:\n  router.dedupe.windw: 1h\n"));
        Path file = Files.writeString(
                dir.resolve("sluice.yaml"),
                Chart.named(docs, "ConfigMap", "sluice-config")
                        .path("data")
                        .path("sluice.yaml")
                        .asText());
        JsonNode router = Chart.containers(docs)
                .map(Map.Entry::getValue)
                .filter(c -> c.path("name").asText().equals("router-stream"))
                .findFirst()
                .orElseThrow();

        assertThatThrownBy(() -> Settings.read(ConfigSource.load(file, environment(router)), RouterConfig::read))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("did you mean router.dedupe.window?");
    }

    @Test
    void shouldRunTheProviderSimulatorInTheDevOverlayWhereTheWorkersCallIt() throws IOException {
        List<JsonNode> docs = Variant.DEV.documents();

        JsonNode sim = Chart.named(docs, "Deployment", "sluice-provider-sim");
        assertThat(sim.at("/spec/template/spec/containers/0/image").asText())
                .endsWith("/sluice-provider-sim:"
                        + Chart.YAML
                                .readTree(Chart.chartDir().resolve("Chart.yaml").toFile())
                                .path("appVersion")
                                .asText());
        assertThat(sim.at("/spec/template/spec/containers/0/args").toString()).contains("\"--port\",\"8090\"");
        String service = Chart.named(docs, "Service", "sluice-provider-sim")
                .at("/metadata/name")
                .asText();
        assertThat(Chart.config(docs)).containsEntry("providers.openai.base.url", "http://" + service + ":8090");
        assertThat(Chart.ofKind(Variant.PRODUCTION.documents(), "Deployment")
                        .map(d -> d.at("/metadata/name").asText()))
                .doesNotContain("sluice-provider-sim");
    }

    @ParameterizedTest
    @EnumSource(
            value = Variant.class,
            names = {"DEV", "WIDE"})
    void shouldRunASchemaRegistryOnItsOwnCompactedTopicWhereTheServicesLookForIt(Variant variant) {
        List<JsonNode> docs = variant.documents();

        JsonNode topic = Chart.ofKind(docs, "KafkaTopic")
                .filter(t -> t.at("/spec/topicName").asText().equals("_schemas"))
                .findFirst()
                .orElseThrow();
        assertThat(topic.at("/spec/partitions").asInt()).isEqualTo(1);
        assertThat(topic.at("/spec/config/cleanup.policy").asText()).isEqualTo("compact");
        Chart.named(docs, "Deployment", "sluice-schema-registry");
        int port = Chart.named(docs, "Service", "sluice-schema-registry")
                .at("/spec/ports/0/port")
                .asInt();
        assertThat(Chart.config(docs)).containsEntry("schema.registry.url", "http://sluice-schema-registry:" + port);
        assertThat(Variant.PRODUCTION.documents().stream()
                        .map(d -> d.at("/metadata/name").asText()))
                .doesNotContain("sluice-schema-registry");
    }

    @Test
    void shouldRefuseFewerWebhookRetryTopicsThanTheDefaultScheduleNeedsRatherThanRenderASinkThatWillNotStart() {
        assertThatThrownBy(() -> Chart.render(List.of(), "topics:\n  webhookRetryLevels: 2\n"))
                .hasMessageContaining("webhooks.backoff");
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void shouldProbeEachServiceOnItsOwnOpsPortAndScrapeIt(Variant variant) {
        List<JsonNode> docs = variant.documents();
        services(docs).forEach(workload -> {
            JsonNode pod = workload.getKey().path("spec").path("template");
            JsonNode container = workload.getValue();
            String service = container.path("name").asText();
            int ops = port(container, "ops");
            assertThat(ops).as(service).isEqualTo(Services.OPS_PORTS.get(service));
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
            assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("ops");
            assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("ops");
            assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean())
                    .isTrue();
            assertThat(pod.at("/metadata/annotations/prometheus.io~1port").asText())
                    .isEqualTo(String.valueOf(ops));
        });
        JsonNode ingest = Chart.containers(docs)
                .map(Map.Entry::getValue)
                .filter(c -> c.path("name").asText().equals("ingest-service"))
                .findFirst()
                .orElseThrow();
        assertThat(port(ingest, "api")).as("ingest.port's default").isEqualTo(8088);
    }

    @Test
    void shouldKeepTheStreamsAppsStateOnVolumesWithStandbysAndBudgetEveryWorkload() {
        List<JsonNode> docs = Variant.PRODUCTION.documents();

        for (String app : List.of("sluice-router-stream", "sluice-result-sink")) {
            JsonNode set = Chart.named(docs, "StatefulSet", app);
            assertThat(set.at("/spec/volumeClaimTemplates/0/metadata/name").asText())
                    .isEqualTo("state");
            JsonNode container = set.at("/spec/template/spec/containers/0");
            assertThat(environment(container)).containsEntry("SLUICE_KAFKA_CLIENT_NUM_STANDBY_REPLICAS", "1");
        }
        Set<String> workloads = services(docs)
                .map(w -> w.getKey().at("/metadata/name").asText())
                .collect(Collectors.toSet());
        Set<String> budgeted = Chart.ofKind(docs, "PodDisruptionBudget")
                .map(p -> p.at("/metadata/name").asText())
                .collect(Collectors.toSet());
        assertThat(budgeted).isEqualTo(workloads).hasSize(6);
        assertThat(Chart.named(docs, "HorizontalPodAutoscaler", "sluice-ingest-service")
                        .at("/spec/metrics/0/resource/name")
                        .asText())
                .isEqualTo("cpu");
    }

    @ParameterizedTest
    @EnumSource(
            value = Variant.class,
            names = {"PRODUCTION", "WIDE"})
    void shouldScaleEachWorkerTierOnItsOwnLagAndNoFurtherThanItsPartitions(Variant variant) {
        List<JsonNode> docs = variant.documents();
        KafkaSettings kafka = KafkaSettings.read(new Settings(ConfigSource.of(Chart.config(docs))));
        String group = kafka.groupId("sluice-workers");

        List<JsonNode> scaled = Chart.ofKind(docs, "ScaledObject").toList();
        assertThat(scaled).hasSize((int) Chart.ofKind(docs, "Deployment")
                .filter(d -> d.at("/metadata/labels/sluice.dev~1tier").isTextual())
                .count());
        for (JsonNode object : scaled) {
            JsonNode deployment = Chart.named(
                    docs, "Deployment", object.at("/spec/scaleTargetRef/name").asText());
            Tier tier = Tier.valueOf(
                    deployment.at("/metadata/labels/sluice.dev~1tier").asText().toUpperCase(java.util.Locale.ROOT));
            String tiers = environment(deployment.at("/spec/template/spec/containers/0"))
                    .get("SLUICE_WORKER_TIERS");
            assertThat(tiers).isEqualTo(tier.name().toLowerCase(java.util.Locale.ROOT));

            assertThat(object.at("/spec/maxReplicaCount").asInt())
                    .isLessThanOrEqualTo(kafka.layout().jobPartitions());
            List<String> topics = new ArrayList<>();
            // KEDA scales the Deployment: a replica count of the chart's would reset it on every upgrade.
            assertThat(deployment.at("/spec/replicas").isMissingNode()).isTrue();
            assertThat(object.at("/spec/minReplicaCount").asInt())
                    .isLessThanOrEqualTo(object.at("/spec/maxReplicaCount").asInt());
            object.at("/spec/triggers").forEach(t -> {
                assertThat(t.at("/metadata/consumerGroup").asText()).isEqualTo(group);
                // KEDA's operator runs in its own namespace: the name must resolve from there.
                assertThat(t.at("/metadata/bootstrapServers").asText())
                        .isEqualTo(kafka.bootstrapServers())
                        .contains(".sluice.svc:");
                assertThat(t.at("/metadata/lagThreshold").asText()).matches("\\d+");
                topics.add(t.at("/metadata/topic").asText());
            });
            assertThat(topics)
                    .containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(Priority.values())
                            .map(p -> kafka.topics().job(tier, p))
                            .toList());
        }
    }

    @Test
    void shouldGiveEachServiceAndTenantItsOwnUserAndTakeSecretsOnlyByReference() {
        List<JsonNode> docs = Variant.WIDE.documents();

        Set<String> users = Chart.ofKind(docs, "KafkaUser")
                .map(u -> u.at("/metadata/name").asText())
                .collect(Collectors.toSet());
        assertThat(users)
                .containsExactlyInAnyOrder(
                        "sluice-router-stream",
                        "sluice-worker-pool",
                        "sluice-result-sink",
                        "sluice-ingest-service",
                        "sluice-keda",
                        "sluice-tenant-acme",
                        "sluice-tenant-beta-team.eu",
                        "sluice-schema-registry",
                        "sluice-operator");
        JsonNode tenant = Chart.named(docs, "KafkaUser", "sluice-tenant-beta-team.eu");
        assertThat(tenant.at("/spec/authorization/acls")).hasSize(1);
        assertThat(tenant.at("/spec/authorization/acls/0/resource/name").asText())
                .isEqualTo("acme_prod.requests.Beta_Team.eu");
        assertThat(tenant.at("/spec/authorization/acls/0/operations").toString())
                .isEqualTo("[\"Write\"]");

        // Each service signs in as its own user, with the password Strimzi keeps in the user's Secret.
        services(docs).forEach(w -> {
            JsonNode container = w.getValue();
            String secret = secretOf(container, "SLUICE_KAFKA_CLIENT_SASL_JAAS_CONFIG");
            assertThat(secret).isEqualTo("sluice-" + container.path("name").asText());
        });
        // The chart creates no Secret of its own, but KEDA's (not secret) username.
        assertThat(Chart.ofKind(docs, "Secret").map(s -> s.at("/metadata/name").asText()))
                .containsExactly("sluice-keda-kafka-username");
    }

    @Test
    void shouldLetOnlyTheWorkersReachProvidersAndOnlyTheSinkReachWebhooksByDefault() {
        List<JsonNode> docs = Variant.PRODUCTION.documents();
        Map<String, Integer> egressRules = new LinkedHashMap<>();
        Chart.ofKind(docs, "NetworkPolicy")
                .forEach(p -> egressRules.put(
                        p.at("/metadata/name").asText(), p.at("/spec/egress").size()));

        // DNS, Kafka and the registry for everyone; one more for the workers' providers and the sink's webhooks.
        assertThat(egressRules)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "sluice-router-stream",
                        3,
                        "sluice-worker-pool",
                        4,
                        "sluice-result-sink",
                        4,
                        "sluice-ingest-service",
                        3));
        assertThat(Chart.named(docs, "NetworkPolicy", "sluice-result-sink")
                        .at("/spec/egress/3/to/0/ipBlock/except")
                        .toString())
                .contains("10.0.0.0/8", "169.254.0.0/16");

        // With an embeddings endpoint, the router may reach it; with the simulator, the workers may reach it.
        List<JsonNode> wide = Variant.WIDE.documents();
        assertThat(Chart.named(wide, "NetworkPolicy", "sluice-router-stream")
                        .at("/spec/egress")
                        .size())
                .isEqualTo(4);
        assertThat(Chart.named(wide, "NetworkPolicy", "sluice-worker-pool")
                        .at("/spec/egress/4/ports/0/port")
                        .asInt())
                .isEqualTo(8090);
    }

    /** The containers of the four services' workloads (not the provider simulator's). */
    private static java.util.stream.Stream<Map.Entry<JsonNode, JsonNode>> services(List<JsonNode> docs) {
        return Chart.containers(docs)
                .filter(c ->
                        Services.READERS.containsKey(c.getValue().path("name").asText()));
    }

    private static List<String> tenants(List<JsonNode> docs) {
        return Chart.ofKind(docs, "KafkaUser")
                .map(u -> u.at("/metadata/name").asText())
                .filter(n -> n.startsWith("sluice-tenant-"))
                .map(n -> Chart.named(docs, "KafkaUser", n)
                        .at("/spec/authorization/acls/0/resource/name")
                        .asText())
                .map(topic -> topic.substring(topic.indexOf("requests.") + "requests.".length()))
                .toList();
    }

    /** A container's environment as the service sees it; a value from a Secret is a stand-in. */
    private static Map<String, String> environment(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        container
                .path("env")
                .forEach(e -> env.put(
                        e.path("name").asText(),
                        e.has("valueFrom") ? "from-a-secret" : e.path("value").asText()));
        return env;
    }

    private static String secretOf(JsonNode container, String variable) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(variable)) {
                return e.at("/valueFrom/secretKeyRef/name").asText();
            }
        }
        throw new AssertionError(container.path("name").asText() + " has no " + variable);
    }

    private static int port(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError(container.path("name").asText() + " has no port " + name);
    }
}
