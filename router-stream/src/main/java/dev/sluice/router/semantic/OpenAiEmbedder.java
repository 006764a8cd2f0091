package dev.sluice.router.semantic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.http.RetryAfter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Vectors from an OpenAI-compatible {@code POST {baseUrl}/v1/embeddings} (OpenAI itself, or a
 * server that speaks its protocol), one text per call. A failed call is an
 * {@link EmbeddingException}; the key goes only into the Authorization header.
 */
public final class OpenAiEmbedder implements Embedder, AutoCloseable {
    /**
     * OpenAI's embedding models read at most 8,191 tokens (8,192 for text-embedding-3). A
     * byte-level BPE token is at least one byte, so a text of at most this many UTF-8 bytes always
     * fits, whatever the tokenizer; longer ones are left to the exact cache rather than counted.
     */
    static final int MAX_INPUT_BYTES = 8_191;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final URI endpoint;
    private final String model;
    private final Secret apiKey;
    private final Duration timeout;
    private final String id;
    private final HttpClient http;

    /**
     * @param baseUrl without {@code /v1}, as for the worker's OpenAI provider: {@code https://api.openai.com}
     * @param timeout for the whole call, connection included
     */
    public OpenAiEmbedder(String baseUrl, String model, Secret apiKey, Duration timeout) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("an embedding model is required");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the embeddings timeout must be positive, got " + timeout);
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(base + "/v1/embeddings");
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.id = "openai/" + model;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? timeout : MAX_CONNECT_TIMEOUT)
                .build();
    }

    /** Provider and model, so that no vector of this model is ever compared with another model's. */
    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean fits(String text) {
        if (text.length() > MAX_INPUT_BYTES) {
            return false;
        }
        return text.getBytes(StandardCharsets.UTF_8).length <= MAX_INPUT_BYTES;
    }

    /** MiniLM's, untuned: nobody has measured where real OpenAI vectors of short fragments fall. */
    @Override
    public double residualThreshold() {
        return Embedder.super.residualThreshold();
    }

    /** MiniLM's, untuned for real OpenAI vectors, as {@link #residualThreshold()}. */
    @Override
    public double instructionThreshold() {
        return Embedder.super.instructionThreshold();
    }

    @Override
    public float[] embed(String text) {
        ObjectNode body =
                JSON.createObjectNode().put("model", model).put("input", text).put("encoding_format", "float");
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (apiKey != null && !apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + apiKey.reveal());
        }
        HttpResponse<String> response = send(request.build());
        if (response.statusCode() / 100 != 2) {
            throw error(response);
        }
        return vector(response);
    }

    /** The answer, body included, within the timeout: the request's own timeout ends at the headers. */
    private HttpResponse<String> send(HttpRequest request) {
        java.util.concurrent.CompletableFuture<HttpResponse<String>> answer =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            return answer.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            answer.cancel(true);
            throw noAnswer();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof HttpTimeoutException) {
                throw noAnswer();
            }
            if (e.getCause() instanceof IOException) {
                throw new EmbeddingException(
                        id + ": " + endpoint + " could not be reached ("
                                + e.getCause().getClass().getSimpleName() + ")",
                        0,
                        null,
                        null);
            }
            throw new EmbeddingException(
                    id + ": the call to " + endpoint + " failed (" + e.getCause() + ")", 0, null, null);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new EmbeddingException(id + ": interrupted while waiting for " + endpoint, 0, null, null);
        }
    }

    private EmbeddingException noAnswer() {
        return new EmbeddingException(
                id + ": no answer from " + endpoint + " within " + timeout.toMillis() + " ms", 0, null, null);
    }

    /** {@code data[0].embedding}, scaled to unit length: OpenAI's already are, other servers' may not be. */
    private float[] vector(HttpResponse<String> response) {
        JsonNode values;
        try {
            values = JSON.readTree(response.body()).path("data").path(0).path("embedding");
        } catch (JsonProcessingException e) {
            throw malformed(response, "is not JSON");
        }
        if (!values.isArray() || values.isEmpty()) {
            throw malformed(response, "has no data[0].embedding array of numbers");
        }
        float[] vector = new float[values.size()];
        double norm = 0;
        for (int i = 0; i < vector.length; i++) {
            JsonNode value = values.get(i);
            if (!value.isNumber()) {
                throw malformed(
                        response,
                        "has a " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                                + " at data[0].embedding[" + i + "]");
            }
            vector[i] = value.floatValue();
            norm += (double) vector[i] * vector[i];
        }
        if (norm == 0 || !Double.isFinite(norm)) {
            throw malformed(response, "has an embedding of length " + Math.sqrt(norm));
        }
        double scale = 1 / Math.sqrt(norm);
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) (vector[i] * scale);
        }
        return vector;
    }

    private EmbeddingException malformed(HttpResponse<String> response, String what) {
        return new EmbeddingException(
                id + ": HTTP " + response.statusCode() + " from " + endpoint + " but the body " + what,
                response.statusCode(),
                "invalid_response",
                null);
    }

    /** OpenAI's {@code {"error":{"message","type","code"}}} when the body is one; a proxy's HTML page is not. */
    private EmbeddingException error(HttpResponse<String> response) {
        int status = response.statusCode();
        String code = null;
        String message = null;
        try {
            JsonNode error = JSON.readTree(response.body()).path("error");
            code = text(error.path("code"));
            code = code != null ? code : text(error.path("type"));
            message = text(error.path("message"));
        } catch (JsonProcessingException e) {
            // Not OpenAI's shape: the status alone says what happened.
        }
        StringBuilder text = new StringBuilder(id)
                .append(": HTTP ")
                .append(status)
                .append(" from ")
                .append(endpoint);
        if (code != null) {
            text.append(" (").append(code).append(')');
        }
        if (message != null) {
            text.append(": ").append(message);
        }
        return new EmbeddingException(withoutKey(text.toString()), status, code, retryAfter(response));
    }

    /** A server that echoes the request back must not put the key into a message that may be logged. */
    private String withoutKey(String message) {
        if (apiKey == null || apiKey.isEmpty()) {
            return message;
        }
        return message.replace(apiKey.reveal(), apiKey.toString());
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }

    private static Duration retryAfter(HttpResponse<String> response) {
        return RetryAfter.of(response.headers(), java.time.Instant.now());
    }

    /** Stops the HTTP client's threads. */
    @Override
    public void close() {
        http.close();
    }
}
