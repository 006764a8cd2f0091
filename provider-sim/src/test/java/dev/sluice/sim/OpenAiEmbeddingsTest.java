package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/embeddings} over real HTTP: the body's shape, the vectors' meaning, usage and encodings. */
class OpenAiEmbeddingsTest {

    private static final String PARCEL = "Where is my parcel? It has not arrived yet.";
    private static ProviderSimulator simulator;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(SimHttp.OPENAI_KEY)));
        http = new SimHttp(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    static float[] vector(JsonNode item) {
        JsonNode values = item.get("embedding");
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        return vector;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }

    @Test
    void shouldAnswerOneUnitVectorOfMiniLmsDimensionsInOpenAisListShape() {
        SimHttp.Reply reply = http.embeddings("""
                {"model":"text-embedding-3-small","input":%s}""".formatted(SimHttp.quote(PARCEL)));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("x-request-id")).startsWith("req_");
        assertThat(reply.header("x-ratelimit-remaining-requests")).isNotNull();
        JsonNode body = reply.json();
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(body.get("data")).hasSize(1);
        JsonNode item = body.at("/data/0");
        assertThat(item.get("object").asText()).isEqualTo("embedding");
        assertThat(item.get("index").asInt()).isZero();
        float[] vector = vector(item);
        assertThat(vector).hasSize(384);
        assertThat(norm(vector)).isCloseTo(1.0, within(1e-5));
        int tokens = SimHttp.O200K.countTokensOrdinary(PARCEL);
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(tokens);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(tokens);
    }

    @Test
    void shouldGiveTheVectorsOfAllMiniLmL6V2SoThatParaphrasesAreCloseAndUnrelatedTextsAreNot() {
        SimHttp.Reply reply = http.embeddings("""
                {"model":"text-embedding-3-large","input":[%s,%s,%s]}""".formatted(
                        SimHttp.quote(PARCEL),
                        SimHttp.quote("My package still hasn't been delivered, where is it?"),
                        SimHttp.quote("Write a haiku about autumn leaves.")));

        JsonNode data = reply.json().get("data");
        float[] parcel = vector(data.get(0));
        double paraphrase = cosine(parcel, vector(data.get(1)));
        double unrelated = cosine(parcel, vector(data.get(2)));
        float[] inProcess = new AllMiniLmL6V2QuantizedEmbeddingModel()
                .embed(PARCEL)
                .content()
                .vector();

        assertThat(paraphrase).isGreaterThanOrEqualTo(0.75);
        assertThat(unrelated).isLessThan(0.3);
        assertThat(cosine(parcel, inProcess)).as("the router's own model").isCloseTo(1.0, within(1e-5));
    }

    @Test
    void shouldAnswerEachInputOfAnArrayAtItsIndexAndCountTheirTokensTogether() {
        String first = "Cancel my subscription.";
        String second = "What are your opening hours on Sunday?";

        JsonNode both = http.embeddings("""
                {"model":"text-embedding-ada-002","input":[%s,%s]}""".formatted(SimHttp.quote(first), SimHttp.quote(second)))
                .json();
        JsonNode alone = http.embeddings("""
                {"model":"text-embedding-ada-002","input":[%s]}""".formatted(SimHttp.quote(second))).json();

        assertThat(both.at("/data/0/index").asInt()).isZero();
        assertThat(both.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(vector(both.at("/data/1")))
                .as("an input's vector does not depend on its neighbours")
                .containsExactly(vector(alone.at("/data/0")));
        assertThat(both.at("/usage/prompt_tokens").asInt())
                .isEqualTo(SimHttp.O200K.countTokensOrdinary(first) + SimHttp.O200K.countTokensOrdinary(second));
    }

    @Test
    void shouldAnswerTheSameVectorsEveryTimeAndForEveryModelName() {
        float[] first = vector(parcel("text-embedding-3-small", ""));
        float[] again = vector(parcel("text-embedding-3-small", ""));
        float[] large = vector(parcel("text-embedding-3-large", ""));

        assertThat(again).containsExactly(first);
        assertThat(large).containsExactly(first);
    }

    @Test
    void shouldEncodeTheSameFloatsAsLittleEndianBase64WhenAsked() {
        JsonNode floats = parcel("text-embedding-3-small", ",\"encoding_format\":\"float\"");
        JsonNode encoded = parcel("text-embedding-3-small", ",\"encoding_format\":\"base64\"");

        ByteBuffer bytes = ByteBuffer.wrap(
                        Base64.getDecoder().decode(encoded.get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(decoded);
        assertThat(decoded).containsExactly(vector(floats));
    }

    @Test
    void shouldShortenAVectorToTheRequestedDimensionsAndScaleItBackToUnitLength() {
        float[] full = vector(parcel("text-embedding-3-small", ""));

        float[] shortened = vector(parcel("text-embedding-3-small", ",\"dimensions\":64"));

        float[] head = Arrays.copyOf(full, 64);
        assertThat(shortened).hasSize(64);
        assertThat(norm(shortened)).isCloseTo(1.0, within(1e-5));
        assertThat(cosine(shortened, head))
                .as("the same direction as the first 64 values")
                .isCloseTo(1.0, within(1e-5));
        assertThat(norm(head)).as("a cut alone would not be a unit vector").isLessThan(0.9);
    }

    /** The one item of an answer about {@link #PARCEL}; {@code extra} adds fields to the body. */
    private static JsonNode parcel(String model, String extra) {
        return http.embeddings("""
                {"model":"%s","input":%s%s}""".formatted(model, SimHttp.quote(PARCEL), extra))
                .json()
                .at("/data/0");
    }

    @Test
    void shouldCountEmbeddingRequestsAndTheirTokensInTheStats() {
        long before = simulator.stats().inputTokens();

        http.embeddings("""
                {"model":"text-embedding-3-small","input":"one two three"}""");

        assertThat(simulator.stats().inputTokens() - before)
                .isEqualTo(SimHttp.O200K.countTokensOrdinary("one two three"));
        assertThat(simulator.stats().requests("POST /v1/embeddings")).isPositive();
    }
}
