package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.devstack.registry.DevSchemaRegistry;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.IngestService;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every service started before its broker: each lives and says it waits for Kafka (/health 200,
 * /ready 503), and each becomes ready once a broker listens where it was told to look.
 */
class BrokerStartIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> get(SluiceService service, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsPort() + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Starts a service on a thread of its own: start() waits for Kafka, and none is there yet. */
    private static <C> SluiceService starting(
            Map<String, String> values,
            Function<Settings, C> read,
            Function<C, SluiceService> create,
            List<Thread> starts) {
        SluiceService service = create.apply(Settings.read(ConfigSource.of(values), read));
        starts.add(Thread.ofPlatform().name("start-" + service.name()).start(service::start));
        return service;
    }

    @Test
    void shouldWaitForKafkaLiveButNotReadyAndBecomeReadyOnceABrokerListens(@TempDir Path dir) throws Exception {
        int kafkaPort = freePort();
        int registryPort = freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", bootstrap);
        config.put("schema.registry.url", "http://127.0.0.1:" + registryPort);
        config.put("topics.prefix", "late.");
        config.put("topics.tenant.partitions", "2");
        config.put("topics.job.partitions", "1");
        config.put("ops.host", "127.0.0.1");
        config.put("ops.port", "0");
        config.put("ingest.host", "127.0.0.1");
        config.put("ingest.port", "0");
        config.put("router.state.dir", dir.resolve("router").toString());
        config.put("sink.state.dir", dir.resolve("sink").toString());
        config.put("ingest.state.dir", dir.resolve("ingest").toString());
        config.put("providers.openai.base.url", "http://127.0.0.1:1");
        List<Thread> starts = new ArrayList<>();
        List<SluiceService> services = new ArrayList<>();
        KafkaBroker broker = null;
        DevSchemaRegistry registry = null;
        try {
            services.add(starting(config, RouterConfig::read, RouterService::new, starts));
            services.add(starting(config, WorkerConfig::read, WorkerService::new, starts));
            services.add(starting(config, SinkConfig::read, SinkService::new, starts));
            services.add(starting(config, IngestConfig::read, IngestService::new, starts));

            for (SluiceService s : services) {
                await().alias(s.name() + " says it waits for Kafka")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> s.opsPort() > 0 && get(s, "/health").body().contains("connection refused"));
                HttpResponse<String> health = get(s, "/health");
                assertThat(health.statusCode())
                        .as(s.name() + " is live while it waits")
                        .isEqualTo(200);
                assertThat(health.body()).contains("waiting for Kafka at " + bootstrap);
                assertThat(get(s, "/ready").statusCode())
                        .as(s.name() + " is not ready while it waits")
                        .isEqualTo(503);
            }

            broker = KafkaBroker.builder()
                    .dataDir(dir.resolve("kafka"))
                    .port(kafkaPort)
                    .controllerPort(freePort())
                    .heapMb(384)
                    .build()
                    .start(Duration.ofSeconds(90));
            registry = DevSchemaRegistry.start(
                    broker.bootstrapServers(), "127.0.0.1", registryPort, DevSchemaRegistry.DEFAULT_TOPIC);

            for (SluiceService s : services) {
                await().alias(s.name() + " ready once the broker listens")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> get(s, "/ready").statusCode() == 200);
                assertThat(get(s, "/health").body()).doesNotContain("waiting for Kafka");
            }
            for (Thread t : starts) {
                t.join(10_000);
                assertThat(t.isAlive()).as(t.getName() + " returned").isFalse();
            }
        } finally {
            services.forEach(SluiceService::close);
            if (registry != null) {
                registry.close();
            }
            if (broker != null) {
                broker.close();
            }
        }
    }
}
