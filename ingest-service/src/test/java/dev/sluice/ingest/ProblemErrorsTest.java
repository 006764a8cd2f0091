package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each way Jetty or Javalin can answer without a handler of the service, on a bare Javalin server
 * with {@link ProblemErrors} installed, asked over a raw socket: every answer is a problem.
 */
class ProblemErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOST = "Host: 127.0.0.1\r\n";
    private static Javalin app;

    @BeforeAll
    static void start() {
        app = Javalin.create(cfg -> {
                    cfg.startup.showJavalinBanner = false;
                    cfg.http.maxRequestSize = 100;
                    cfg.http.prefer405over404 = true;
                    cfg.routes.post("/echo", ctx -> ctx.result(ctx.body()));
                    cfg.routes.get("/failing", ctx -> {
                        throw new IllegalStateException("a bug");
                    });
                    cfg.routes.get("/erroring", ctx -> {
                        throw new Error("worse than a bug");
                    });
                    cfg.routes.get("/container-error", ctx -> ctx.res().sendError(503));
                    ProblemErrors.install(cfg);
                })
                .start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    private static RawHttp.Response send(String request) throws Exception {
        return RawHttp.exchange(app.port(), request);
    }

    @Test
    void shouldAnswerTheHttpParsersRefusalsAsProblems() throws Exception {
        RawHttp.Response badEncoding = send("GET /jobs/% HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response badMethod = send("G@T /echo HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response noHost = send("GET /echo HTTP/1.1\r\n\r\n");
        RawHttp.Response badLength = send("POST /echo HTTP/1.1\r\n" + HOST + "Content-Length: many\r\n\r\n");
        RawHttp.Response longUri = send("GET /" + "a".repeat(10 * 1024) + " HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response bigHeader =
                send("GET /echo HTTP/1.1\r\n" + HOST + "X-Padding: " + "a".repeat(9 * 1024) + "\r\n\r\n");
        RawHttp.Response badVersion = send("GET /echo HTTP/7.0\r\n" + HOST + "\r\n");

        assertProblem(badEncoding, 400, "bad-request");
        assertProblem(badMethod, 400, "bad-request");
        assertThat(body(badMethod).path("detail").asText()).contains("Illegal character");
        assertProblem(noHost, 400, "bad-request");
        assertProblem(badLength, 400, "bad-request");
        assertProblem(longUri, 414, "uri-too-long");
        assertProblem(bigHeader, 431, "headers-too-large");
        assertProblem(badVersion, 505, "http-version-not-supported");
    }

    @Test
    void shouldAnswerRequestsNoRouteTakesAsProblems() throws Exception {
        RawHttp.Response noRoute = send("GET /nothing HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response otherMethod = send("DELETE /echo HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response unknownMethod = send("BREW /echo HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response asterisk = send("OPTIONS * HTTP/1.1\r\n" + HOST + "\r\n");

        assertProblem(noRoute, 404, "not-found");
        assertProblem(otherMethod, 405, "method-not-allowed");
        assertProblem(unknownMethod, 405, "method-not-allowed");
        assertProblem(asterisk, 404, "not-found");
    }

    @Test
    void shouldAnswerJavalinsOwnRefusalsAsProblems() throws Exception {
        String body = "x".repeat(200);
        RawHttp.Response tooLarge =
                send("POST /echo HTTP/1.1\r\n" + HOST + "Content-Length: " + body.length() + "\r\n\r\n" + body);

        assertProblem(tooLarge, 413, "body-too-large");
    }

    @Test
    void shouldAnswerFailuresInsideTheServiceAsProblems() throws Exception {
        RawHttp.Response exception = send("GET /failing HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response error = send("GET /erroring HTTP/1.1\r\n" + HOST + "\r\n");
        RawHttp.Response containerError = send("GET /container-error HTTP/1.1\r\n" + HOST + "\r\n");

        for (RawHttp.Response r : List.of(exception, error)) {
            assertProblem(r, 500, "internal");
            assertThat(body(r).path("detail").asText())
                    .as("no internals in the answer")
                    .doesNotContain("bug");
        }
        assertProblem(containerError, 503, "service-unavailable");
    }

    private static JsonNode body(RawHttp.Response r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static void assertProblem(RawHttp.Response r, int status, String type) throws Exception {
        IngestHarness.assertProblem(r, status, type, "");
    }
}
