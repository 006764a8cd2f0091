package dev.sluice.ingest.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.ingest.Problem;
import dev.sluice.model.JobStatus;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.router.JavalinDefaultRoutingApi;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * {@code GET /v1/jobs/{id}} and {@code GET /v1/jobs/{id}/events}, answered from the job-status
 * table for the caller's tenant. Another tenant's job is answered exactly as an unknown one (404,
 * same body, and for streams the same wait), so ids reveal nothing across tenants. Who the caller
 * is comes from outside (API keys); the handlers take the tenant as an argument.
 *
 * <p>A status stream holds a virtual thread and a table subscription for its whole life. Open
 * streams are bounded by {@link StatusConfig#maxStreams()}; a client that went away is noticed at
 * the next event or heartbeat write, and its subscription is closed then.
 */
public final class StatusRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobStatusTable table;
    private final StatusConfig config;
    private final Semaphore streams;
    private final Map<String, AtomicInteger> tenantStreams = new ConcurrentHashMap<>();
    private volatile BiPredicate<Context, String> stillAllowed = (ctx, tenant) -> true;

    public StatusRoutes(JobStatusTable table, StatusConfig config) {
        this.table = table;
        this.config = config;
        this.streams = new Semaphore(config.maxStreams());
    }

    /**
     * Adds both routes. {@code callerTenant} answers the caller's tenant, or empty once it has
     * itself answered the request (401, 403).
     */
    public void register(JavalinDefaultRoutingApi routes, Function<Context, Optional<String>> callerTenant) {
        register(routes, callerTenant, (ctx, tenant) -> true);
    }

    /**
     * As {@link #register(JavalinDefaultRoutingApi, Function)}; an open stream also asks
     * {@code stillAllowed} at every event and heartbeat and ends when the caller's key no longer
     * gives it the tenant (revoked, or the tenant deleted).
     */
    public void register(
            JavalinDefaultRoutingApi routes,
            Function<Context, Optional<String>> callerTenant,
            BiPredicate<Context, String> stillAllowed) {
        this.stillAllowed = stillAllowed;
        routes.get("/v1/jobs/{id}", ctx -> {
            Optional<String> tenant = callerTenant.apply(ctx);
            if (tenant.isPresent()) {
                get(ctx, tenant.get());
            }
        });
        routes.get("/v1/jobs/{id}/events", ctx -> {
            Optional<String> tenant = callerTenant.apply(ctx);
            if (tenant.isPresent()) {
                events(ctx, tenant.get());
            }
        });
    }

    /** 200 with the job's status, 404 when the caller's tenant has no such job. */
    public void get(Context ctx, String callerTenant) {
        if (!table.ready()) {
            loading(ctx);
            return;
        }
        String requestId = ctx.pathParam("id");
        Optional<JobStatus> status =
                table.get(requestId).filter(s -> s.tenantId().equals(callerTenant));
        if (status.isEmpty()) {
            problem(ctx, notFound(requestId));
            return;
        }
        ctx.header("Cache-Control", "no-store");
        ctx.status(200).contentType("application/json").result(json(StatusView.of(status.get())));
    }

    /**
     * Server-sent events: the current status, then each change, until a terminal state ends the
     * stream. An unknown job is waited for up to {@link StatusConfig#firstStatusWait()} (a job just
     * accepted has no status yet) before 404.
     */
    public void events(Context ctx, String callerTenant) throws InterruptedException {
        if (!table.ready()) {
            loading(ctx);
            return;
        }
        if (!streams.tryAcquire()) {
            ctx.header("Retry-After", "5");
            problem(
                    ctx,
                    Problem.statusUnavailable("At most " + config.maxStreams()
                            + " status streams can be open at once; retry later or read GET /v1/jobs/{id}"));
            return;
        }
        AtomicInteger mine = tenantStreams.computeIfAbsent(callerTenant, t -> new AtomicInteger());
        if (mine.incrementAndGet() > config.maxStreamsPerTenant()) {
            mine.decrementAndGet();
            streams.release();
            ctx.header("Retry-After", "5");
            problem(
                    ctx,
                    Problem.tooManyStreams("This tenant has " + config.maxStreamsPerTenant()
                            + " status streams open, its most; close one or read GET /v1/jobs/{id}"));
            return;
        }
        try {
            stream(ctx, ctx.pathParam("id"), callerTenant);
        } finally {
            mine.decrementAndGet();
            streams.release();
        }
    }

    private void stream(Context ctx, String requestId, String callerTenant) throws InterruptedException {
        BlockingQueue<Optional<JobStatus>> changes = new LinkedBlockingQueue<>();
        try (JobStatusTable.Subscription ignored = table.subscribe(requestId, new Mine(callerTenant, changes))) {
            Optional<JobStatus> first = changes.poll(config.firstStatusWait().toMillis(), TimeUnit.MILLISECONDS);
            if (first == null || first.isEmpty()) {
                problem(ctx, notFound(requestId));
                return;
            }
            SseClient client = open(ctx);
            JobStatus current = first.get();
            long id = 1;
            client.sendEvent("status", json(StatusView.of(current)), Long.toString(id));
            while (!current.state().isTerminal() && !client.terminated()) {
                Optional<JobStatus> next = changes.poll(config.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
                if (!stillAllowed.test(ctx, callerTenant)) {
                    client.sendComment("the API key no longer gives access to this tenant; stream closed");
                    return;
                }
                if (next == null) {
                    client.sendComment("heartbeat");
                } else if (next.isEmpty()) {
                    return; // deleted from the table: nothing more will come
                } else {
                    current = next.get();
                    client.sendEvent("status", json(StatusView.of(current)), Long.toString(++id));
                }
            }
        }
    }

    /**
     * Queues the caller's own job's statuses; another tenant's are dropped, so waiting for them
     * ends in the same 404, after the same time, as waiting for a job that does not exist.
     */
    private static final class Mine implements JobStatusTable.Listener {
        private final String tenant;
        private final BlockingQueue<Optional<JobStatus>> changes;
        private boolean seen;

        Mine(String tenant, BlockingQueue<Optional<JobStatus>> changes) {
            this.tenant = tenant;
            this.changes = changes;
        }

        @Override
        public void changed(JobStatus status) {
            if (status.tenantId().equals(tenant)) {
                seen = true;
                changes.add(Optional.of(status));
            }
        }

        @Override
        public void removed() {
            if (seen) {
                changes.add(Optional.empty());
            }
        }
    }

    /** Commits the event-stream headers, so the client sees 200 before the first event. */
    private static SseClient open(Context ctx) {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setCharacterEncoding("UTF-8");
        res.setContentType("text/event-stream");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        try {
            res.flushBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException("The client went away before the stream began", e);
        }
        return new SseClient(ctx);
    }

    /** The same answer for an unknown job and for another tenant's. */
    private static Problem notFound(String requestId) {
        return Problem.notFound("No job " + requestId + " is known for this tenant");
    }

    private static void loading(Context ctx) {
        ctx.header("Retry-After", "5");
        problem(ctx, Problem.statusUnavailable("The job-status table is still loading; retry shortly"));
    }

    private static void problem(Context ctx, Problem p) {
        p.send(ctx);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
