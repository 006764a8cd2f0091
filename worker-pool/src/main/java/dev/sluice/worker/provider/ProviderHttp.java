package dev.sluice.worker.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.sluice.runtime.http.RetryAfter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;

/** What every HTTP adapter shares: its client, a call with failures as ProviderExceptions, retry rules. */
final class ProviderHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final Duration timeout;
    private final Transport transport;

    ProviderHttp(String name, HttpSettings settings) {
        this.name = name;
        this.timeout = settings.timeout();
        this.transport = switch (settings.client()) {
            case HTTP1 -> new Http1Client(CONNECT_TIMEOUT, settings.keepAlive());
            case JDK -> new JdkTransport();
        };
    }

    /** One exchange, its answer read whole; the timeout covers all of it. */
    interface Transport extends AutoCloseable {
        Answer exchange(Request request, Duration timeout) throws IOException, InterruptedException;

        @Override
        void close();
    }

    /** A request: method, address, headers in order, and a body or none. */
    static final class Request {
        private final URI uri;
        private final List<String> headers = new ArrayList<>(8);
        private String method = "GET";
        private byte[] body;

        private Request(URI uri) {
            this.uri = uri;
        }

        static Request to(URI uri) {
            return new Request(uri);
        }

        static Request to(String url) {
            return new Request(URI.create(url));
        }

        /** Refuses CR and LF, which would let a value (an API key from config) add headers of its own. */
        Request header(String name, String value) {
            if (name.isEmpty()
                    || (name + value).indexOf('\r') >= 0
                    || (name + value).indexOf('\n') >= 0
                    || name.indexOf(':') >= 0) {
                throw new IllegalArgumentException(
                        "invalid header " + name + " (a line break or colon where there" + " must be none)");
            }
            headers.add(name);
            headers.add(value);
            return this;
        }

        Request post(byte[] body) {
            this.method = "POST";
            this.body = body;
            return this;
        }

        URI uri() {
            return uri;
        }

        String method() {
            return method;
        }

        /** Names and values, alternating. */
        List<String> headers() {
            return headers;
        }

        byte[] body() {
            return body;
        }

        /** Safe to send twice: a GET, or a request the server de-duplicates by its Idempotency-Key. */
        boolean replayable() {
            if (method.equals("GET")) {
                return true;
            }
            for (int i = 0; i < headers.size(); i += 2) {
                if (headers.get(i).equalsIgnoreCase("idempotency-key")) {
                    return true;
                }
            }
            return false;
        }
    }

    /** An answer read whole; its body decoded as UTF-8. */
    record Answer(int statusCode, HttpHeaders headers, String body) {}

    /** {@code baseUrl} without a trailing slash, plus {@code path}. */
    static URI endpoint(String baseUrl, String path) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return URI.create(base + path);
    }

    /** A 2xx body as JSON; a body that is not JSON is a retryable {@code invalid_response}. */
    static JsonNode json(String name, int status, String body) throws ProviderException {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProviderException(
                    status, "invalid_response", null, name + " answered 2xx with a body that is not JSON", true, null);
        }
    }

    /** A line of a batch's results as JSON; a line that is not JSON is a retryable {@code invalid_response}. */
    static JsonNode jsonLine(String name, String line) throws ProviderException {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new ProviderException(
                    200, "invalid_response", null, name + " returned a result line that is not" + " JSON", true, null);
        }
    }

    /**
     * The {@code error} object of an error answer, as both providers send it; a missing node when
     * the body is not JSON (a proxy's HTML page), so that the status alone decides.
     */
    static JsonNode errorObject(Answer response) {
        try {
            return JSON.readTree(response.body()).path("error");
        } catch (JsonProcessingException e) {
            return MissingNode.getInstance();
        }
    }

    /** A JSON POST with the call's timeout; no answer becomes a retryable ProviderException. */
    Answer post(Request request, String json) throws ProviderException {
        return send(request.post(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Any request with the call's timeout; no answer becomes a retryable ProviderException. */
    Answer send(Request request) throws ProviderException {
        try {
            return transport.exchange(request, timeout);
        } catch (HttpTimeoutException e) {
            throw new ProviderException(
                    0, "timeout", null, name + " did not answer within " + timeout.toMillis() + " ms", true, null);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                // A virtual thread interrupted in socket I/O closes the socket and gets an IOException.
                throw new ProviderException(0, "interrupted", null, "call interrupted", true, null);
            }
            throw new ProviderException(
                    0,
                    "connection_error",
                    null,
                    name + " could not be reached: " + e.getClass().getSimpleName(),
                    true,
                    null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(0, "interrupted", null, "call interrupted", true, null);
        }
    }

    /**
     * Whether the SDKs would retry this error response: {@code x-should-retry} wins; otherwise
     * the status decides, unless the error needs the user to act ({@code needsUser}).
     */
    static boolean retryable(Answer response, boolean needsUser) {
        Optional<String> shouldRetry = response.headers().firstValue("x-should-retry");
        if (shouldRetry.isPresent()) {
            return Boolean.parseBoolean(shouldRetry.get());
        }
        return !needsUser && ProviderException.retryableStatus(response.statusCode());
    }

    /** What the answer's retry-after-ms or Retry-After asks for ({@link RetryAfter}). */
    static Duration retryAfter(Answer response) {
        return RetryAfter.of(response.headers(), Instant.now());
    }

    /** The JDK's client, HTTP/1.1, its work on virtual threads. */
    private static final class JdkTransport implements Transport {
        // HTTP/1.1 keeps one call per connection, which is what providers' load balancers expect.
        private final HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();

        @Override
        public Answer exchange(Request request, Duration timeout) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(request.uri()).timeout(timeout);
            for (int i = 0; i < request.headers().size(); i += 2) {
                b.header(request.headers().get(i), request.headers().get(i + 1));
            }
            b.method(
                    request.method(),
                    request.body() == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(request.body()));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.headers(), r.body());
        }

        /** Not {@code close()}, which would wait for every call in flight to end. */
        @Override
        public void close() {
            http.shutdownNow();
        }
    }

    void close() {
        transport.close();
    }
}
