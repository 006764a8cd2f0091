package dev.sluice.ingest;

import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A total deadline for a request's body, counted from the arrival of its headers
 * ({@code ingest.body.timeout}). Jetty has only an idle timeout, which a client sending a byte
 * every few seconds never reaches, so one slow body could hold a connection and a handler for as
 * long as its sender liked. Past the deadline, with the body not whole, every read of it fails
 * with {@link Expired} (a read already waiting, at once); the handler answers 408 with
 * {@link #refuse} and the connection is closed. A Jetty handler in front of the servlet context,
 * so that every route that reads a body is held to it.
 */
final class BodyDeadline extends Handler.Wrapper {
    private final Duration timeout;

    BodyDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    /** The failure every read of a body gets once its deadline passed. */
    static final class Expired extends IOException {
        Expired(Duration timeout) {
            super("The body did not arrive within " + timeout.toMillis() + " ms of the request's headers");
        }
    }

    /** The deadline's failure among {@code t} and its causes, if it is there. */
    static Optional<Expired> cause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Expired expired) {
                return Optional.of(expired);
            }
        }
        return Optional.empty();
    }

    /** Answers 408 and has the connection closed: the rest of the body may still be on its way. */
    static void refuse(Context ctx, Expired expired) {
        ctx.header("Connection", "close");
        Problem.ofStatus(408, expired.getMessage() + "; nothing was stored. Send the whole body at once")
                .send(ctx);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        HttpFields headers = request.getHeaders();
        if (!headers.contains(HttpHeader.TRANSFER_ENCODING) && headers.getLongField(HttpHeader.CONTENT_LENGTH) <= 0) {
            return super.handle(request, response, callback);
        }
        Deadlined deadlined = new Deadlined(request, timeout);
        long left = timeout.toNanos() - (System.nanoTime() - request.getHeadersNanoTime());
        Scheduler.Task expiry = request.getComponents()
                .getScheduler()
                .schedule(
                        () -> request.getComponents().getExecutor().execute(deadlined::expire),
                        Math.max(0, left),
                        TimeUnit.NANOSECONDS);
        try {
            if (super.handle(deadlined, response, Callback.from(expiry::cancel, callback))) {
                return true;
            }
            expiry.cancel();
            return false;
        } catch (Exception | Error e) {
            expiry.cancel();
            throw e;
        }
    }

    /**
     * The request as the handlers read it. Of a demand for content that the deadline overtakes,
     * the callback is run once, by whichever comes first, the content or the deadline.
     */
    private static final class Deadlined extends Request.Wrapper {
        private final Duration timeout;
        private final AtomicReference<Runnable> waiting = new AtomicReference<>();
        private final Runnable runWaiting = this::runWaiting;
        private volatile boolean expired;
        private volatile boolean whole;

        Deadlined(Request request, Duration timeout) {
            super(request);
            this.timeout = timeout;
        }

        @Override
        public Content.Chunk read() {
            if (expired) {
                return Content.Chunk.from(new Expired(timeout), true);
            }
            Content.Chunk chunk = super.read();
            if (chunk != null && chunk.isLast()) {
                whole = true;
            }
            return chunk;
        }

        @Override
        public void demand(Runnable demandCallback) {
            waiting.set(demandCallback);
            if (!expired) {
                super.demand(runWaiting);
            }
            if (expired) {
                runWaiting();
            }
        }

        void expire() {
            if (!whole) {
                expired = true;
                runWaiting();
            }
        }

        private void runWaiting() {
            Runnable callback = waiting.getAndSet(null);
            if (callback != null) {
                callback.run();
            }
        }
    }
}
