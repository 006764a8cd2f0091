package dev.sluice.worker.provider;

import dev.sluice.runtime.http.RetryAfter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;

/** What every HTTP adapter shares: its client, a call with failures as ProviderExceptions, retry rules. */
final class ProviderHttp {
    private final String name;
    private final Duration timeout;
    private final HttpClient http;

    ProviderHttp(String name, Duration timeout) {
        this.name = name;
        this.timeout = timeout;
        // HTTP/1.1 keeps one call per connection, which is what providers' load balancers expect.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** {@code baseUrl} without a trailing slash, plus {@code path}. */
    static URI endpoint(String baseUrl, String path) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return URI.create(base + path);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A 2xx body as JSON; a body that is not JSON is a retryable {@code invalid_response}. */
    static com.fasterxml.jackson.databind.JsonNode json(String name, int status, String body)
            throws ProviderException {
        try {
            return JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProviderException(status, "invalid_response", null, name
                    + " answered 2xx with a body that is not JSON", true, null);
        }
    }

    /** A JSON POST with the call's timeout; no answer becomes a retryable ProviderException. */
    HttpResponse<String> post(HttpRequest.Builder request, String json) throws ProviderException {
        return send(request.POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
    }

    /** A GET with the call's timeout. */
    HttpResponse<String> get(HttpRequest.Builder request) throws ProviderException {
        return send(request.GET());
    }

    /** Any request with the call's timeout; no answer becomes a retryable ProviderException. */
    HttpResponse<String> send(HttpRequest.Builder request) throws ProviderException {
        request.timeout(timeout);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new ProviderException(0, "timeout", null, name + " did not answer within " + timeout.toMillis()
                    + " ms", true, null);
        } catch (IOException e) {
            throw new ProviderException(0, "connection_error", null, name + " could not be reached: "
                    + e.getClass().getSimpleName(), true, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(0, "interrupted", null, "call interrupted", true, null);
        }
    }

    /**
     * Whether the SDKs would retry this error response: {@code x-should-retry} wins; otherwise
     * the status decides, unless the error needs the user to act ({@code needsUser}).
     */
    static boolean retryable(HttpResponse<?> response, boolean needsUser) {
        Optional<String> shouldRetry = response.headers().firstValue("x-should-retry");
        if (shouldRetry.isPresent()) {
            return Boolean.parseBoolean(shouldRetry.get());
        }
        return !needsUser && ProviderException.retryableStatus(response.statusCode());
    }

    /** What the answer's retry-after-ms or Retry-After asks for ({@link RetryAfter}). */
    static Duration retryAfter(HttpResponse<?> response) {
        return RetryAfter.of(response.headers(), java.time.Instant.now());
    }
}
