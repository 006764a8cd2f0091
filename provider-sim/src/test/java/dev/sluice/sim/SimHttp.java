package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Calls a running simulator over real HTTP, the way an adapter would. */
final class SimHttp {

    static final String OPENAI_KEY = "sk-test-0123456789abcdef";
    static final String ANTHROPIC_KEY = "sk-ant-test-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    // Independent of the simulator's own Tokens class, so the counts are checked, not echoed.
    static final Encoding O200K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final String baseUrl;

    SimHttp(ProviderSimulator simulator) {
        this.baseUrl = simulator.baseUrl();
    }

    record Reply(int status, java.net.http.HttpHeaders headers, String body) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    record SseEvent(String event, String data) {

        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + data, e);
            }
        }
    }

    Reply openAi(String body, String... headers) {
        return post(
                "/v1/chat/completions", body, join(new String[] {"Authorization", "Bearer " + OPENAI_KEY}, headers));
    }

    Reply embeddings(String body, String... headers) {
        return post("/v1/embeddings", body, join(new String[] {"Authorization", "Bearer " + OPENAI_KEY}, headers));
    }

    Reply anthropic(String body, String... headers) {
        return post(
                "/v1/messages",
                body,
                join(new String[] {"x-api-key", ANTHROPIC_KEY, "anthropic-version", "2023-06-01"}, headers));
    }

    /** Sends exactly the given headers, for auth tests. */
    Reply post(String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    /** A call to an OpenAI endpoint with the test key: {@code GET} when {@code body} is null. */
    Reply openAiCall(String method, String path, String body) {
        return send(method, path, body, "Authorization", "Bearer " + OPENAI_KEY);
    }

    /** A call to an Anthropic endpoint with the test key and version: {@code GET}/{@code DELETE} when {@code body} is null. */
    Reply anthropicCall(String method, String path, String body) {
        return send(method, path, body, "x-api-key", ANTHROPIC_KEY, "anthropic-version", "2023-06-01");
    }

    Reply send(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    /** {@code POST /v1/files} as multipart form data; {@code fields} are extra name/value pairs. */
    Reply upload(String filename, String purpose, byte[] content, String... fields) {
        String boundary = "sim-boundary-" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        java.util.List<String> all = new ArrayList<>();
        if (purpose != null) {
            all.add("purpose");
            all.add(purpose);
        }
        all.addAll(List.of(fields));
        for (int i = 0; i < all.size(); i += 2) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + all.get(i) + "\"\r\n\r\n"
                            + all.get(i + 1) + "\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (content != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                            + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/files"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + OPENAI_KEY)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build());
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build());
    }

    static String openAiBody(String prompt) {
        return """
                {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":%s}]}""".formatted(quote(prompt));
    }

    static String anthropicBody(String prompt) {
        return """
                {"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":%s}]}""".formatted(quote(prompt));
    }

    /** Distinct words ({@code topic0 topic1 …}), long enough to pass the prompt-cache minimums. */
    static String longText(String topic, int words) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(i == 0 ? "" : " ").append(topic).append(i);
        }
        return text.toString();
    }

    Reply openAiAs(String apiKey, String body, String... headers) {
        return post("/v1/chat/completions", body, join(new String[] {"Authorization", "Bearer " + apiKey}, headers));
    }

    Reply anthropicAs(String apiKey, String body, String... headers) {
        return post(
                "/v1/messages",
                body,
                join(new String[] {"x-api-key", apiKey, "anthropic-version", "2023-06-01"}, headers));
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<SseEvent> sse(String body) {
        List<SseEvent> events = new ArrayList<>();
        String event = null;
        StringBuilder data = new StringBuilder();
        for (String line : body.split("\n", -1)) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    events.add(new SseEvent(event, data.toString()));
                }
                event = null;
                data.setLength(0);
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
        return events;
    }

    private Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String[] join(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
