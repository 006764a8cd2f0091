package dev.sluice.devstack.registry;

import io.javalin.Javalin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice's development schema registry: the subset of the Confluent Schema Registry REST API that
 * serializers and operators use, storing every fact on a compacted Kafka topic so that schema ids
 * survive restarts. It backs {@code sluice demo}, {@code sluice up} and integration tests, because
 * Confluent's registry is not available from Maven Central; production points
 * {@code schema.registry.url} at a real registry instead.
 *
 * <p>One instance per topic: it reads the topic once at start and then assumes it is the only
 * writer. A second instance on the same topic would hand out the same ids for different schemas.
 */
public final class DevSchemaRegistry implements AutoCloseable {
    public static final String DEFAULT_TOPIC = "_sluice_schemas";
    private static final Logger log = LoggerFactory.getLogger(DevSchemaRegistry.class);

    private final SchemaLog schemaLog;
    private static final int ACCEPT_QUEUE = 4096;
    private final Javalin http;
    private final String host;
    private boolean closed;

    private DevSchemaRegistry(SchemaLog schemaLog, Javalin http, String host) {
        this.schemaLog = schemaLog;
        this.http = http;
        this.host = host;
    }

    /** Reads the whole schemas topic (creating it if missing: 1 partition, compacted), then serves HTTP. */
    public static DevSchemaRegistry start(String bootstrapServers, String host, int port, String topic) {
        return builder(bootstrapServers).host(host).port(port).topic(topic).start();
    }

    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** The base URL clients use, without a trailing slash. */
    public String url() {
        // A wildcard bind address is not something a client can connect to.
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + (reachable.contains(":") ? "[" + reachable + "]" : reachable) + ":" + port();
    }

    public int port() {
        return http.port();
    }

    /** Stops serving HTTP, then closes the Kafka producer. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        String url = url();
        try {
            http.stop();
        } finally {
            schemaLog.close();
        }
        log.info("Schema registry at {} stopped", url);
    }

    public static final class Builder {
        private final String bootstrapServers;
        private String host = "127.0.0.1";
        private int port;
        private String topic = DEFAULT_TOPIC;
        private short replicationFactor = 1;
        private Duration startTimeout = Duration.ofSeconds(60);

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is empty: give the Kafka broker(s) that hold"
                        + " the schemas topic, e.g. 127.0.0.1:9092");
            }
            this.bootstrapServers = bootstrapServers;
        }

        /** Address to bind; 127.0.0.1 by default, so a dev registry is not exposed to the network. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** HTTP port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        public Builder topic(String topic) {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic is empty: give the schemas topic, e.g. " + DEFAULT_TOPIC);
            }
            this.topic = topic;
            return this;
        }

        /** Replication factor used if the topic has to be created; 1 suits the single-node dev broker. */
        public Builder replicationFactor(int replicationFactor) {
            if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("replicationFactor must be at least 1, was " + replicationFactor);
            }
            this.replicationFactor = (short) replicationFactor;
            return this;
        }

        /** How long Kafka may take to answer while the topic is prepared and read; 60 s by default. */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        public DevSchemaRegistry start() {
            SchemaLog schemaLog = SchemaLog.open(bootstrapServers, topic, replicationFactor, startTimeout);
            try {
                List<LogEntry> history = new ArrayList<>();
                schemaLog.replay(history::add, startTimeout);
                RegistryService service = new RegistryService(schemaLog::append, history);
                Javalin http = Javalin.create(cfg -> {
                            cfg.concurrency.useVirtualThreads = true;
                            cfg.startup.showJavalinBanner = false;
                            // A worker starting with thousands of jobs in flight may ask at once; Jetty's
                            // default queue of 50 pending connections would time some of them out.
                            cfg.jetty.addConnector((server, httpConfig) -> {
                                ServerConnector connector =
                                        new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                                connector.setHost(host);
                                connector.setPort(port);
                                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                                return connector;
                            });
                            RegistryRoutes.install(cfg, service);
                        })
                        .start();
                DevSchemaRegistry registry = new DevSchemaRegistry(schemaLog, http, host);
                log.info(
                        "Schema registry serving {} from topic {} ({} records replayed)",
                        registry.url(),
                        topic,
                        history.size());
                return registry;
            } catch (RuntimeException e) {
                schemaLog.close();
                throw e;
            }
        }
    }
}
