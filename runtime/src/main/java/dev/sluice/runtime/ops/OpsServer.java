package dev.sluice.runtime.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operations endpoint every service has: {@code GET /health} (liveness: 200 when up, 503 when
 * not, with details as JSON), {@code GET /ready} (readiness: 200 once the service does its work)
 * and {@code GET /metrics} (Prometheus text format).
 */
public final class OpsServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Javalin app;

    private OpsServer(Javalin app) {
        this.app = app;
    }

    public static OpsServer start(
            String host,
            int port,
            String service,
            PrometheusMeterRegistry registry,
            Supplier<Health> health,
            BooleanSupplier ready) {
        Javalin app = Javalin.create(cfg -> {
                    cfg.concurrency.useVirtualThreads = true;
                    cfg.startup.showJavalinBanner = false;
                    addRoutes(cfg, service, registry, health, ready);
                })
                .start(host, port);
        return new OpsServer(app);
    }

    /** Adds /health, /ready and /metrics to a server's routes. */
    public static void addRoutes(
            JavalinConfig cfg,
            String service,
            PrometheusMeterRegistry registry,
            Supplier<Health> health,
            BooleanSupplier ready) {
        addHealthRoutes(cfg, service, health, ready);
        cfg.routes.get(
                "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(registry.scrape()));
    }

    /**
     * Adds /health and /ready alone: ingest's public port keeps them for load balancers, while its
     * metrics, which name tenants, stay on the ops port.
     */
    public static void addHealthRoutes(
            JavalinConfig cfg, String service, Supplier<Health> health, BooleanSupplier ready) {
        cfg.routes.get("/health", ctx -> {
            Health h = safely(health);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", service);
            body.put("status", h.up() ? "UP" : "DOWN");
            body.putAll(h.details());
            ctx.status(h.up() ? 200 : 503).contentType("application/json").result(JSON.writeValueAsString(body));
        });
        cfg.routes.get("/ready", ctx -> {
            boolean r = ready.getAsBoolean();
            ctx.status(r ? 200 : 503)
                    .contentType("application/json")
                    .result("{\"service\":\"" + service + "\",\"ready\":" + r + "}");
        });
    }

    private static Health safely(Supplier<Health> health) {
        try {
            return health.get();
        } catch (RuntimeException e) {
            return Health.down(Map.of("error", e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
