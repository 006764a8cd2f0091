package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server speaking the OpenAI Chat Completions, OpenAI Embeddings and Anthropic Messages
 * protocols, so that adapters, demos and benchmarks run without a real provider. Each request runs on its own
 * virtual thread, so thousands of requests can sit in simulated latency at once.
 */
public final class ProviderSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderSimulator.class);
    // Anthropic's documented Messages limit; larger bodies get a 413 as they would there. The batch
    // endpoints read their bodies themselves, up to their own larger limits (BatchLimits).
    private static final long MAX_REQUEST_BYTES = 32L * 1024 * 1024;
    private static final int ACCEPT_QUEUE = 4096;
    private static final HandlerType[] ANY_METHOD = {
        HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE,
    };

    private final SimConfig bound;
    private final SimState state;
    private final Javalin app;
    private final OpenAiBatchesApi openAiBatches;
    private final AnthropicBatchesApi anthropicBatches;

    private ProviderSimulator(SimConfig config, LongSupplier clock, BatchLimits limits) {
        this.bound = config;
        this.state = new SimState(config, clock);
        OpenAiApi openAi = new OpenAiApi(state);
        AnthropicApi anthropic = new AnthropicApi(state);
        OpenAiEmbeddingsApi embeddings = new OpenAiEmbeddingsApi(state, openAi);
        OpenAiFilesApi files = new OpenAiFilesApi(state, openAi, limits);
        this.openAiBatches = new OpenAiBatchesApi(state, openAi, files, limits);
        this.anthropicBatches = new AnthropicBatchesApi(state, anthropic, limits, this::baseUrl);
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = MAX_REQUEST_BYTES;
            // Compression costs CPU that benchmarks should spend on the system under test.
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.jetty.addConnector((server, http) -> connector(server, http, config));
            // Uploads beyond a megabyte are spooled to the temp directory while Jetty parses them.
            cfg.jetty.multipartConfig.maxInMemoryFileSize(1, io.javalin.config.SizeUnit.MB);
            routes(cfg, openAi, embeddings, anthropic, files);
        });
    }

    public static ProviderSimulator start(SimConfig config) {
        return start(config, System::currentTimeMillis);
    }

    /**
     * As {@link #start(SimConfig)}, its rate-limit windows and batch times read from {@code clock}
     * (epoch milliseconds): a test shifts it to meet a minute's boundary without waiting for one.
     * OpenAI's reset headers are relative and read the same either way; Anthropic's are instants,
     * so they come out shifted against a caller's wall clock.
     */
    public static ProviderSimulator start(SimConfig config, LongSupplier clock) {
        return start(config, clock, BatchLimits.DEFAULTS);
    }

    static ProviderSimulator start(SimConfig config, LongSupplier clock, BatchLimits limits) {
        // Loading the o200k vocabulary takes about a second; pay it here, not in the first request's latency.
        Tokens.count("warm up");
        ProviderSimulator simulator = new ProviderSimulator(config, clock, limits);
        simulator.app.start();
        LOG.info("Provider simulator listening on {}", simulator.baseUrl());
        return simulator;
    }

    /** Root URL without {@code /v1}: OpenAI clients want {@code baseUrl() + "/v1"}, Anthropic clients this. */
    public String baseUrl() {
        String host = switch (bound.host()) {
            // Bound to every interface: loopback is the one address sure to reach it.
            case "0.0.0.0", "::", "[::]" -> "127.0.0.1";
            default -> bound.host().contains(":") ? "[" + bound.host() + "]" : bound.host();
        };
        return "http://" + host + ":" + port();
    }

    public int port() {
        return app.port();
    }

    public SimConfig config() {
        return state.config();
    }

    /** Takes effect from the next request; host and port stay as bound. */
    public void update(SimConfig config) {
        if (!config.host().equals(bound.host()) || config.port() != bound.port()) {
            throw new IllegalArgumentException("host and port cannot change on a running simulator (bound to "
                    + baseUrl() + "); start a new one instead");
        }
        state.update(config);
    }

    /** Batches whose time is up are ended first, so their lines are counted without anyone polling them. */
    public SimStats stats() {
        openAiBatches.settleAll();
        anthropicBatches.settleAll();
        return state.stats.snapshot();
    }

    @Override
    public void close() {
        state.close();
        app.stop();
    }

    /**
     * The JVM's default accept backlog of 50 resets connections when a benchmark opens hundreds
     * at once; the kernel caps the requested size at net.core.somaxconn.
     */
    private static ServerConnector connector(Server server, HttpConfiguration http, SimConfig config) {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        return connector;
    }

    private void routes(
            JavalinConfig cfg,
            OpenAiApi openAi,
            OpenAiEmbeddingsApi embeddings,
            AnthropicApi anthropic,
            OpenAiFilesApi files) {
        // Specific routes first: the catch-alls below would match them too.
        cfg.routes.post("/v1/chat/completions", counted("POST /v1/chat/completions", openAi::chatCompletions));
        cfg.routes.post("/v1/embeddings", counted("POST /v1/embeddings", embeddings::embeddings));
        cfg.routes.post("/v1/messages", counted("POST /v1/messages", anthropic::messages));
        cfg.routes.post("/v1/files", counted("POST /v1/files", files::upload));
        cfg.routes.get("/v1/files/{id}", counted("GET /v1/files/{id}", files::retrieve));
        cfg.routes.get("/v1/files/{id}/content", counted("GET /v1/files/{id}/content", files::content));
        cfg.routes.post("/v1/batches", counted("POST /v1/batches", openAiBatches::create));
        cfg.routes.get("/v1/batches", counted("GET /v1/batches", openAiBatches::list));
        cfg.routes.get("/v1/batches/{id}", counted("GET /v1/batches/{id}", openAiBatches::retrieve));
        cfg.routes.post("/v1/batches/{id}/cancel", counted("POST /v1/batches/{id}/cancel", openAiBatches::cancel));
        String batches = "/v1/messages/batches";
        cfg.routes.post(batches, counted("POST " + batches, anthropicBatches::create));
        cfg.routes.get(batches, counted("GET " + batches, anthropicBatches::list));
        cfg.routes.get(batches + "/{id}", counted("GET " + batches + "/{id}", anthropicBatches::retrieve));
        cfg.routes.delete(batches + "/{id}", counted("DELETE " + batches + "/{id}", anthropicBatches::delete));
        cfg.routes.post(
                batches + "/{id}/cancel", counted("POST " + batches + "/{id}/cancel", anthropicBatches::cancel));
        cfg.routes.get(
                batches + "/{id}/results", counted("GET " + batches + "/{id}/results", anthropicBatches::results));
        cfg.routes.get("/health", counted("GET /health", ctx -> state.respond(ctx, 200, Map.of("status", "UP"))));
        cfg.routes.get("/sim/stats", counted("GET /sim/stats", ctx -> state.respond(ctx, 200, stats())));
        cfg.routes.get(
                "/sim/config",
                counted("GET /sim/config", ctx -> state.respond(ctx, 200, ConfigJson.write(state, config()))));
        cfg.routes.post("/sim/config", counted("POST /sim/config", this::updateFromJson));
        for (HandlerType method : ANY_METHOD) {
            cfg.routes.addEndpoint(new Endpoint(method, "/v1/messages/*", counted("unmatched", anthropic::notFound)));
            cfg.routes.addEndpoint(new Endpoint(method, "/v1/*", counted("unmatched", openAi::invalidUrl)));
            cfg.routes.addEndpoint(new Endpoint(
                    method,
                    "/*",
                    counted(
                            "unmatched",
                            ctx -> state.respond(
                                    ctx, 404, Map.of("error", "Not Found: " + ctx.method() + " " + ctx.path())))));
        }
    }

    private void updateFromJson(Context ctx) {
        try {
            JsonNode patch = state.json.readTree(ctx.bodyAsBytes());
            SimConfig updated = ConfigJson.apply(config(), patch);
            state.update(updated);
            LOG.info("Simulator config updated: {}", ConfigJson.write(state, updated));
            state.respond(ctx, 200, ConfigJson.write(state, updated));
        } catch (IOException e) {
            state.respond(ctx, 400, Map.of("error", "body is not valid JSON: " + e.getMessage()));
        } catch (IllegalArgumentException e) {
            state.respond(ctx, 400, Map.of("error", e.getMessage()));
        }
    }

    private Handler counted(String endpoint, Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (UncheckedIOException e) {
                LOG.debug("Client went away during {}: {}", endpoint, e.getMessage());
            } catch (Exception e) {
                LOG.error("Unexpected failure serving {}", endpoint, e);
                if (!ctx.res().isCommitted()) {
                    state.respond(ctx, 500, Map.of("error", "simulator failure: " + e));
                }
            } finally {
                state.stats.request(endpoint, ctx.statusCode());
            }
        };
    }
}
