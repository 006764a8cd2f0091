package dev.sluice.ingest;

import dev.sluice.ingest.status.JobStatusTable;
import dev.sluice.ingest.status.StatusRoutes;
import dev.sluice.model.ApiKey;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.kafka.BrokerWait;
import dev.sluice.runtime.kafka.CompactedTable;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.ValueSchemas;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import dev.sluice.runtime.tenants.TenantDirectory;
import dev.sluice.runtime.tracing.Telemetry;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The HTTP front door: {@code POST /v1/jobs} turns a JSON job into an Avro request on llm.requests
 * (keyed by tenantId) and answers 202 with the requestId only after the broker acked the record,
 * so an accepted job is never lost; {@code POST /v1/jobs:batch} does so for up to 1,000 jobs in
 * one transaction; {@code GET /v1/jobs/{id}} and its event stream show a job's status;
 * {@code POST /v1/jobs/{id}/feedback} takes a user's score of a job's answer. Callers
 * authenticate with a tenant's API key. Nothing is produced for a request that is refused.
 * {@code GET /openapi.json} describes every route; OpenApiIT holds it to {@link #routes()} and to
 * the answers the routes give. Handlers run on virtual threads, so waiting for the ack
 * costs no platform thread.
 */
public final class IngestService implements SluiceService {
    private final IngestConfig config;
    private final PrometheusMeterRegistry metrics;
    private final TenantDirectory tenants;
    private final CompactedTable<ApiKey> keys;
    private final ApiKeyAuth auth;
    private final JobWriter writer;
    private final BatchWriter batches;
    private final JobEndpoints jobs;
    private final FeedbackEndpoint feedback;
    private final JobStatusTable statuses;
    private final StatusRoutes statusRoutes;
    private final Telemetry telemetry;
    private final byte[] openApi = openApiDocument();
    private final List<String> routes = new CopyOnWriteArrayList<>();
    private final BrokerWait kafka;
    private Javalin app;
    private OpsServer ops;

    public IngestService(IngestConfig config) {
        this.config = config;
        this.metrics = Metrics.newRegistry(name());
        this.telemetry = Telemetry.start(name(), config.tracing());
        this.kafka = new BrokerWait(name(), config.kafka());
        String instance = "ingest-" + UUID.randomUUID().toString().substring(0, 8);
        this.tenants = new TenantDirectory(
                config.kafka(), config.kafka().serdes().tenants().deserializer(), instance + "-tenants");
        this.keys = new CompactedTable<>(
                config.kafka(),
                config.kafka().topics().apiKeys(),
                config.kafka().serdes().apiKeys().deserializer(),
                instance + "-api-keys",
                CompactedTable.Unreadable.DROP);
        this.auth = new ApiKeyAuth(keys, tenants, metrics);
        JobRecords records = new JobRecords(config.kafka());
        this.writer = new JobWriter(config, records, instance, metrics);
        TenantRateLimits limits =
                new TenantRateLimits(config.tenantRequestsPerMinute(), config.tenantBurstSeconds(), System::nanoTime);
        this.batches = new BatchWriter(config, records, instance);
        IdempotencyKeys idempotencyKeys = new IdempotencyKeys(
                config.idempotencyWindow(), config.idempotencyMaxKeys(), Clock.systemUTC()::instant);
        this.jobs = new JobEndpoints(
                config, auth, tenants, limits, idempotencyKeys, writer, batches, metrics, Clock.systemUTC(), telemetry);
        this.statuses = new JobStatusTable(config.kafka(), config.status(), metrics);
        this.statusRoutes = new StatusRoutes(statuses, config.status());
        this.feedback = new FeedbackEndpoint(auth, statuses, jobs, writer, metrics, Clock.systemUTC());
    }

    @Override
    public String name() {
        return "ingest-service";
    }

    @Override
    public void start() {
        ops = OpsServer.start(config.ops().host(), config.ops().port(), name(), metrics, this::health, this::ready);
        app = Javalin.create(cfg -> {
                    cfg.concurrency.useVirtualThreads = true;
                    cfg.startup.showJavalinBanner = false;
                    cfg.http.maxRequestSize = Math.max(config.maxBodyBytes(), config.maxBatchBodyBytes()) + 1L;
                    cfg.http.prefer405over404 = true;
                    cfg.jetty.modifyServer(server -> server.insertHandler(new BodyDeadline(config.bodyTimeout())));
                    // Every route, however it is added, so that OpenApiIT can hold the document to them.
                    cfg.events.handlerAdded(h -> {
                        if (h.getHttpMethod().isHttpMethod()) {
                            routes.add(h.getHttpMethod().name() + " " + h.getPath());
                        }
                    });
                    cfg.routes.get(
                            "/openapi.json",
                            ctx -> ctx.contentType("application/json").result(openApi));
                    cfg.routes.post("/v1/jobs", jobs::submit);
                    cfg.routes.post("/v1/jobs:batch", jobs::submitBatch);
                    statusRoutes.register(cfg.routes, auth::tenantOf, auth::stillAllowed);
                    cfg.routes.post("/v1/jobs/{id}/feedback", feedback::submit);
                    // Load balancers probe the public port; the metrics, which name tenants, stay on the ops port.
                    OpsServer.addHealthRoutes(cfg, name(), this::health, this::ready);
                    ProblemErrors.install(cfg);
                })
                .start(config.host(), config.port());
        // Served first, so that /health answers while Kafka is awaited; jobs are answered 503 until then.
        if (!kafka.await()) {
            return;
        }
        if (config.createTopics()) {
            TopicCreator.ensure(config.kafka());
        }
        // For outside clients that register nothing themselves. Off the start path: a slow or
        // refusing registry must not hold ingest unready (Sluice's serializers register anyway).
        Thread.ofVirtual()
                .name("ingest-value-schemas")
                .start(() -> ValueSchemas.register(
                        config.kafka().serdes().registry(),
                        ValueSchemas.of(config.kafka().topics(), config.kafka().layout())));
        tenants.start();
        keys.start();
        statuses.start();
    }

    /** "METHOD path" of every HTTP route this service serves, as registered (paths as Javalin templates). */
    List<String> routes() {
        return List.copyOf(routes);
    }

    /** The OpenAPI document served at /openapi.json, read once: a build without it fails when the service is made. */
    private static byte[] openApiDocument() {
        try (InputStream in = IngestService.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath beside IngestService");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return app == null ? -1 : app.port();
    }

    @Override
    public Health health() {
        java.util.Optional<Health> waiting = kafka.health();
        if (waiting.isPresent()) {
            return waiting.get();
        }
        Health table = statuses.health();
        return new Health(
                app != null && table.up(),
                Map.of(
                        "port",
                        port(),
                        "tenants",
                        tenants.size(),
                        "apiKeys",
                        keys.size(),
                        "jobStatusTable",
                        table.up() ? "UP" : "DOWN"));
    }

    /**
     * Ready once serving and the API keys and tenants have been read. The job-status table is not
     * waited for: a new instance restoring it takes jobs already, and its status routes answer
     * 503 until it is loaded.
     */
    @Override
    public boolean ready() {
        return app != null && auth.loaded();
    }

    @Override
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    @Override
    public void close() {
        kafka.close();
        if (app != null) {
            app.stop();
        }
        writer.close();
        batches.close();
        statuses.close();
        keys.close();
        tenants.close();
        if (ops != null) {
            ops.close();
        }
        telemetry.close();
    }
}
