package dev.sluice.sink.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.http.RetryAfter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Executors;

/**
 * POSTs one signed webhook. Signatures come from the Standard Webhooks library: HMAC-SHA256 over
 * {@code "{webhook-id}.{webhook-timestamp}.{body}"}, one {@code v1,...} entry per signing secret,
 * space-separated, so a receiver holding either of two rotating secrets can verify.
 */
public final class WebhookSender {
    public static final String USER_AGENT = "Sluice-Webhooks/0.1";

    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;

    public WebhookSender(Duration timeout, Clock clock) {
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** What one try came to: a status (0 when no response arrived), Retry-After, and an error text. */
    public record Attempt(int status, Duration retryAfter, String error) {
        public boolean delivered() {
            return status / 100 == 2;
        }
    }

    /**
     * Signers for the given secrets, checked now so that a malformed secret is reported as such
     * instead of failing mid-delivery. The message never contains the secret.
     */
    public static List<Webhook> signers(List<Secret> secrets) {
        List<Webhook> out = new java.util.ArrayList<>();
        for (Secret secret : secrets) {
            try {
                out.add(new Webhook(secret.reveal()));
            } catch (com.standardwebhooks.exceptions.EmptyWebhookSecretException | IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "A webhook signing secret is not usable: expected whsec_ followed"
                                + " by base64 of 24 to 64 random bytes",
                        e);
            }
        }
        return List.copyOf(out);
    }

    public Attempt post(String endpoint, String webhookId, String body, List<Webhook> signers, String traceparent) {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(endpoint))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", USER_AGENT)
                    .header("webhook-id", webhookId)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", sign(webhookId, timestamp, body, signers))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Attempt(0, null, "endpoint is not a valid URL: " + e.getMessage());
        }
        if (traceparent != null) {
            request.header(Tracing.TRACEPARENT, traceparent);
        }
        try {
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return new Attempt(
                    response.statusCode(),
                    retryAfter(response),
                    response.statusCode() / 100 == 2 ? null : "endpoint answered " + response.statusCode());
        } catch (IOException e) {
            return new Attempt(
                    0, null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(0, null, "interrupted");
        }
    }

    static String sign(String webhookId, long timestamp, String body, List<Webhook> signers) {
        StringJoiner signatures = new StringJoiner(" ");
        for (Webhook signer : signers) {
            try {
                signatures.add(signer.sign(webhookId, timestamp, body));
            } catch (WebhookSigningException e) {
                throw new IllegalStateException("HMAC-SHA256 signing failed", e);
            }
        }
        return signatures.toString();
    }

    private Duration retryAfter(HttpResponse<?> response) {
        return RetryAfter.of(response.headers(), clock.instant());
    }
}
