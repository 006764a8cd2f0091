package dev.sluice.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI batch adapter's error answers against a stub server: they must read as the chat
 * adapter's do, since both go to the same provider with the same key and the same limits.
 */
class OpenAiBatchApiTest {
    private static final ModelSpec MODEL = ModelCatalogue.loadDefault().require("gpt-4.1-mini");
    private static final Map<String, String> LIMITS = Map.of(
            "x-ratelimit-limit-requests",
            "500",
            "x-ratelimit-remaining-requests",
            "0",
            "x-ratelimit-reset-requests",
            "12s",
            "x-ratelimit-limit-tokens",
            "200000",
            "x-ratelimit-remaining-tokens",
            "1500",
            "x-ratelimit-reset-tokens",
            "6m0s");

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private HttpServer server;

    /** A server that answers every request with {@code status}, {@code headers} and {@code body}. */
    private OpenAiBatchApi answering(int status, Map<String, String> headers, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getRequestBody().readAllBytes();
            headers.forEach(exchange.getResponseHeaders()::add);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return new OpenAiBatchApi(
                "openai",
                "http://127.0.0.1:" + server.getAddress().getPort(),
                Secret.of("sk-b"),
                HttpSettings.of(Duration.ofSeconds(5)));
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void shouldNotRetryABatchRefusedForInsufficientQuotaAndKeepItsRateLimits() throws IOException {
        OpenAiBatchApi api = answering(429, LIMITS, """
                {"error":{"message":"You exceeded your current quota.","type":"insufficient_quota",\
                "param":null,"code":"insufficient_quota"}}""");

        assertThatThrownBy(() -> api.submit("b-1", MODEL, List.of("{}")))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("insufficient_quota");
                    assertThat(e.retryable())
                            .as("a quota needs the user, not a retry")
                            .isFalse();
                    assertThat(e.rateLimits().requestLimit()).isEqualTo(500);
                    assertThat(e.rateLimits().tokensRemaining()).isEqualTo(1500);
                    assertThat(e.rateLimits().tokensReset()).isEqualTo(Duration.ofMinutes(6));
                });
        assertThat(authorizations).containsOnly("Bearer sk-b");
    }

    @Test
    void shouldRetryABatchRateLimitAfterItsRetryAfterWithTheKeysRateLimits() throws IOException {
        Map<String, String> headers = new HashMap<>(LIMITS);
        headers.put("retry-after-ms", "1500");
        OpenAiBatchApi api = answering(429, headers, """
                {"error":{"message":"Rate limit reached for requests","type":"requests",\
                "param":null,"code":"rate_limit_exceeded"}}""");

        BatchProgress ended = new BatchProgress("batch_1", "completed", true, false, 1, 1, "file-out", null, "");
        for (ThrowingCallable call :
                List.<ThrowingCallable>of(() -> api.progress("batch_1"), () -> api.results(ended))) {
            assertThatThrownBy(call).isInstanceOfSatisfying(ProviderException.class, e -> {
                assertThat(e.status()).isEqualTo(429);
                assertThat(e.retryable()).isTrue();
                assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(1500));
                assertThat(e.rateLimits().requestsRemaining()).isZero();
                assertThat(e.rateLimits().requestsReset()).isEqualTo(Duration.ofSeconds(12));
            });
        }
    }
}
