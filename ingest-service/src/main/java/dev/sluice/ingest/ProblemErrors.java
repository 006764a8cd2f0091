package dev.sluice.ingest;

import io.javalin.config.JavalinConfig;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every answer that Jetty or Javalin gives without the service's handlers, written as a
 * {@link Problem}, as the OpenAPI document promises for every refusal. Without it those answers are
 * Jetty's HTML pages or empty bodies. The paths, all of them set here:
 * <ul>
 * <li>the HTTP parser's bad messages (a bad percent-encoding, an invalid method, no Host, a URI or
 * headers over the buffer: 400, 414, 431, 505) and a request no context takes ({@code OPTIONS *}):
 * Jetty answers them with the Server's error handler;
 * <li>errors inside the servlet context, before or around Javalin: the context's error handler;
 * <li>Javalin's 404 (no route) and 405 (another method), its own {@link HttpResponseException}s,
 * exceptions the handlers let out (500), and {@link Error}s, which Javalin hands to a separate
 * handler.
 * </ul>
 */
final class ProblemErrors {
    private static final Logger log = LoggerFactory.getLogger(ProblemErrors.class);
    private static final String INTERNAL = "The request failed inside the service; nothing was stored";

    private ProblemErrors() {}

    static void install(JavalinConfig cfg) {
        cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrors()));
        cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JettyErrors()));
        // Only for a path no route serves: a route's own 404 (an unknown job) already has its answer.
        cfg.routes.error(404, ctx -> {
            if (ctx.attribute(Problem.SENT) == null) {
                Problem.notFound("No route for " + ctx.method() + " " + ctx.path())
                        .send(ctx);
            }
        });
        cfg.routes.error(
                405,
                ctx -> Problem.ofStatus(405, ctx.method() + " is not served on " + ctx.path())
                        .send(ctx));
        cfg.routes.exception(
                HttpResponseException.class,
                (e, ctx) -> Problem.ofStatus(
                                e.getStatus(),
                                e.getMessage() == null || e.getMessage().isBlank()
                                        ? "Refused by the HTTP server"
                                        : e.getMessage())
                        .send(ctx));
        cfg.routes.exception(
                Exception.class,
                (e, ctx) -> BodyDeadline.cause(e).ifPresentOrElse(expired -> BodyDeadline.refuse(ctx, expired), () -> {
                    log.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
                    Problem.internal(INTERNAL).send(ctx);
                }));
        cfg.router.javaLangErrorHandler(ProblemErrors::error);
    }

    /** Javalin has set 500 already; a stream that had begun cannot take a problem any more. */
    private static void error(HttpServletResponse res, Error error) {
        log.error("Error while serving a request", error);
        if (res.isCommitted()) {
            return;
        }
        try {
            res.resetBuffer();
            res.setContentType(Problem.MEDIA_TYPE);
            res.getOutputStream().write(Problem.internal(INTERNAL).json());
        } catch (IOException | RuntimeException e) {
            log.debug("Could not answer the error", e);
        }
    }

    /** Jetty's error handler, answering a problem instead of an HTML page, for every method but HEAD. */
    static final class JettyErrors extends ErrorHandler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            generateCacheControl(response);
            int status = response.getStatus();
            String message = request.getAttribute(ERROR_MESSAGE) instanceof String m ? m : null;
            Throwable cause = request.getAttribute(ERROR_EXCEPTION) instanceof Throwable t ? t : null;
            if (cause instanceof HttpException http) {
                status = http.getCode();
                response.setStatus(status);
                message = message == null ? http.getReason() : message;
            }
            // A parser's refusal (505 for an unknown version) is the client's doing, not a failure of the service.
            if (status >= 500 && !(cause instanceof HttpException)) {
                log.error(
                        "HTTP server error {} on {} {}: {}",
                        status,
                        request.getMethod(),
                        request.getHttpURI(),
                        message,
                        cause);
            }
            if (HttpMethod.HEAD.is(request.getMethod()) || org.eclipse.jetty.http.HttpStatus.hasNoBody(status)) {
                callback.succeeded();
                return true;
            }
            Problem problem = Problem.ofStatus(status, detail(status, message));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
            response.write(true, ByteBuffer.wrap(problem.json()), callback);
            return true;
        }

        /** Jetty's message when it says more than the status line does (it names a bad character, say). */
        private static String detail(int status, String message) {
            String reason = org.eclipse.jetty.http.HttpStatus.getMessage(status);
            if (message != null && !message.isBlank() && !message.equalsIgnoreCase(reason)) {
                return "Refused by the HTTP server: " + message;
            }
            return switch (status) {
                case 400 ->
                    "The request is not valid HTTP/1.1: its request line, a header or the URI's" + " percent-encoding";
                case 414 -> "The request line is longer than the server reads";
                case 431 -> "The request headers are larger than the server reads";
                case 500 -> INTERNAL;
                default -> "Refused by the HTTP server: " + reason;
            };
        }
    }
}
