package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.runtime.config.Secret;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI embedder against the provider simulator's /v1/embeddings over real HTTP. */
class OpenAiEmbedderTest {
    private static final String KEY = "sk-test-embedder-0123456789";
    private static final String MODEL = "text-embedding-3-small";
    private static ProviderSimulator sim;
    /** Answers what the simulator never does: bodies that are not an embedding, a proxy's page, an echo of the key. */
    private static HttpServer odd;

    private static String oddBase;

    @BeforeAll
    static void startServers() throws IOException {
        sim = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(KEY)));
        odd = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Map.of(
                        "/html",
                        "<html>gateway</html>",
                        "/empty",
                        "{\"object\":\"list\",\"data\":[]}",
                        "/strings",
                        "{\"data\":[{\"embedding\":[0.1,\"x\",0.3]}]}",
                        "/zero",
                        "{\"data\":[{\"embedding\":[0,0,0]}]}",
                        "/plain",
                        "{\"data\":[{\"embedding\":[3,4]}]}")
                .forEach((path, body) -> odd.createContext(path + "/v1/embeddings", e -> answer(e, 200, body)));
        odd.createContext("/proxy/v1/embeddings", e -> answer(e, 502, "<html>Bad Gateway</html>"));
        odd.createContext(
                "/echo/v1/embeddings",
                e -> answer(
                        e,
                        400,
                        "{\"error\":{\"message\":\"bad header: "
                                + e.getRequestHeaders().getFirst("Authorization")
                                + "\",\"type\":\"invalid_request_error\"}}"));
        odd.start();
        oddBase = "http://127.0.0.1:" + odd.getAddress().getPort();
    }

    @AfterAll
    static void stopServers() {
        sim.close();
        odd.stop(0);
    }

    private static OpenAiEmbedder embedder(String baseUrl, String key) {
        return new OpenAiEmbedder(baseUrl, MODEL, Secret.of(key), Duration.ofSeconds(10));
    }

    @Test
    void shouldNameProviderAndModelSoItsVectorsAreNeverComparedWithAnotherModels() {
        assertThat(embedder(sim.baseUrl(), KEY).id()).isEqualTo("openai/text-embedding-3-small");
        assertThat(new OpenAiEmbedder(sim.baseUrl(), "text-embedding-3-large", Secret.of(KEY), Duration.ofSeconds(1))
                        .id())
                .isEqualTo("openai/text-embedding-3-large")
                .isNotEqualTo(MiniLmEmbedder.ID);
    }

    @Test
    void shouldScoreAParaphrasePairHighAndAnUnrelatedTextLowThroughTheEndpoint() {
        OpenAiEmbedder embedder = embedder(sim.baseUrl() + "/", KEY);

        float[] parcel = embedder.embed("Where is my parcel? It has not arrived yet.");
        float[] paraphrase = embedder.embed("My package still hasn't been delivered, where is it?");
        float[] unrelated = embedder.embed("Write a haiku about autumn leaves.");

        assertThat(parcel).hasSize(384);
        assertThat(Embedder.cosine(parcel, parcel)).as("unit length").isCloseTo(1.0, within(1e-5));
        assertThat(Embedder.cosine(parcel, paraphrase)).isGreaterThanOrEqualTo(0.75);
        assertThat(Embedder.cosine(parcel, unrelated)).isLessThan(0.3);
        float[] inProcess = new MiniLmEmbedder().embed("Where is my parcel? It has not arrived yet.");
        assertThat(Embedder.cosine(parcel, inProcess))
                .as("the simulator serves MiniLM's vectors")
                .isCloseTo(1.0, within(1e-5));
    }

    @Test
    void shouldFailClearlyOnAWrongKeyWithoutSayingTheKey() {
        String wrong = "sk-wrong-key-abcdefghijklmnop";

        assertThatThrownBy(() -> embedder(sim.baseUrl(), wrong).embed("hello"))
                .isInstanceOfSatisfying(EmbeddingException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("invalid_api_key");
                    assertThat(e.getMessage())
                            .startsWith("openai/text-embedding-3-small: HTTP 401 from " + sim.baseUrl()
                                    + "/v1/embeddings (invalid_api_key): Incorrect API key provided")
                            .doesNotContain(wrong);
                });
    }

    @Test
    void shouldFailClearlyOnA429WithTheWaitTheProviderAskedFor() {
        try (ProviderSimulator limited = ProviderSimulator.start(SimConfig.defaults()
                .withApiKeys(Set.of(KEY))
                .withFaultRates(Map.of(429, 1.0))
                .withRetryAfter(Duration.ofMillis(2_500)))) {
            assertThatThrownBy(() -> embedder(limited.baseUrl(), KEY).embed("hello"))
                    .isInstanceOfSatisfying(EmbeddingException.class, e -> {
                        assertThat(e.status()).isEqualTo(429);
                        assertThat(e.code()).isEqualTo("rate_limit_exceeded");
                        assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(2_500));
                        assertThat(e.getMessage())
                                .contains("HTTP 429", "Rate limit reached for text-embedding-3-small");
                    });
        }
    }

    @Test
    void shouldFailClearlyOnAnUnknownModel() {
        OpenAiEmbedder unknown =
                new OpenAiEmbedder(sim.baseUrl(), "text-embedding-4", Secret.of(KEY), Duration.ofSeconds(10));

        assertThatThrownBy(() -> unknown.embed("hello")).isInstanceOfSatisfying(EmbeddingException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isEqualTo("model_not_found");
        });
    }

    @Test
    void shouldGiveUpAfterItsTimeout() {
        try (ProviderSimulator slow =
                ProviderSimulator.start(SimConfig.defaults().withLatency(Duration.ofSeconds(5), Duration.ZERO))) {
            OpenAiEmbedder impatient =
                    new OpenAiEmbedder(slow.baseUrl(), MODEL, Secret.of(KEY), Duration.ofMillis(300));

            assertThatThrownBy(() -> impatient.embed("hello")).isInstanceOfSatisfying(EmbeddingException.class, e -> {
                assertThat(e.status()).isZero();
                assertThat(e.getMessage()).contains("no answer", "within 300 ms");
            });
        }
    }

    @Test
    void shouldFailClearlyWhenNothingListens() throws IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }

        assertThatThrownBy(() -> embedder("http://127.0.0.1:" + port, KEY).embed("hello"))
                .isInstanceOfSatisfying(EmbeddingException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.getMessage()).contains("could not be reached");
                });
    }

    @Test
    void shouldRefuseA200WhoseBodyIsNotAnEmbedding() {
        Map<String, String> problems = Map.of(
                "/html", "is not JSON",
                "/empty", "has no data[0].embedding array of numbers",
                "/strings", "has a string at data[0].embedding[1]",
                "/zero", "has an embedding of length 0.0");

        problems.forEach((path, problem) -> assertThatThrownBy(
                        () -> embedder(oddBase + path, KEY).embed("hello"))
                .as(path)
                .isInstanceOfSatisfying(EmbeddingException.class, e -> {
                    assertThat(e.status()).isEqualTo(200);
                    assertThat(e.code()).isEqualTo("invalid_response");
                    assertThat(e.getMessage()).endsWith(problem);
                }));
    }

    @Test
    void shouldScaleAnotherServersVectorToUnitLength() {
        float[] vector = embedder(oddBase + "/plain", KEY).embed("x");

        assertThat(vector).containsExactly(0.6f, 0.8f);
    }

    @Test
    void shouldKeepTheKeyOutOfTheMessageEvenWhenAServerEchoesIt() {
        assertThatThrownBy(() -> embedder(oddBase + "/echo", KEY).embed("x"))
                .isInstanceOfSatisfying(EmbeddingException.class, e -> {
                    assertThat(e.getMessage())
                            .contains("bad header: Bearer ****")
                            .doesNotContain(KEY);
                    assertThat(e.code()).isEqualTo("invalid_request_error");
                });
    }

    @Test
    void shouldFailClearlyOnAProxysErrorPageThatIsNotJson() {
        assertThatThrownBy(() -> embedder(oddBase + "/proxy", KEY).embed("x"))
                .isInstanceOfSatisfying(EmbeddingException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.code()).isNull();
                    assertThat(e.getMessage()).endsWith("HTTP 502 from " + oddBase + "/proxy/v1/embeddings");
                });
    }

    @Test
    void shouldTakeOnlyTextsThatFitTheModelsInputWhateverTheTokenizer() {
        OpenAiEmbedder embedder = embedder(sim.baseUrl(), KEY);

        assertThat(embedder.fits("a".repeat(OpenAiEmbedder.MAX_INPUT_BYTES))).isTrue();
        assertThat(embedder.fits("a".repeat(OpenAiEmbedder.MAX_INPUT_BYTES + 1)))
                .isFalse();
        assertThat(embedder.fits("é".repeat(5_000)))
                .as("10,000 UTF-8 bytes in 5,000 characters")
                .isFalse();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
