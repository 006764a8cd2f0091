package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.OptionalInt;

/**
 * {@code POST /v1/embeddings} with all-MiniLM-L6-v2's vectors whatever the model asked for, so a
 * semantic cache over them matches paraphrases as one over a real model would. Auth, faults,
 * outages, latency and the per-key rate limits are those of chat completions.
 */
final class OpenAiEmbeddingsApi {

    private final SimState state;
    private final OpenAiApi api;

    OpenAiEmbeddingsApi(SimState state, OpenAiApi api) {
        this.state = state;
        this.api = api;
    }

    void embeddings(Context ctx) {
        long started = System.nanoTime();
        SimConfig config = state.config();
        OpenAiApi.identify(ctx);
        try {
            String apiKey = OpenAiApi.authenticate(ctx, config);
            JsonNode body = api.parse(ctx);
            EmbeddingsRequest request = EmbeddingsRequest.parse(body);
            int[] tokens = request.tokens();
            int promptTokens = Arrays.stream(tokens).sum();
            Duration firstByte = state.firstByteDelay(ctx, config);
            OptionalInt failure = state.failure(ctx, config, "openai", request.model(), firstByte);
            if (failure.isPresent()) {
                if (failure.getAsInt() == 429) {
                    RateLimitHeaders.openAiExhausted(ctx, config, config.retryAfter());
                }
                throw Faults.openAi(failure.getAsInt(), request.model(), config);
            }
            RateWindow window = state.limits.forKey("openai", apiKey, state.now());
            // An embedding has no output: its input is all it costs against the key's TPM.
            RateWindow.Snapshot admitted = window.admit(config, state.now(), promptTokens, 0);
            if (admitted.exceeded()) {
                RateLimitHeaders.openAi(ctx, admitted);
                state.stats.rateLimited(apiKey);
                throw OpenAiApi.rateLimited(request.model(), admitted);
            }
            RateLimitHeaders.openAi(ctx, admitted);
            ObjectNode answer = answer(request, promptTokens);
            state.stats.tokens(promptTokens, 0, 0, 0);
            SimState.pause(firstByte);
            OpenAiApi.processingTime(ctx, started);
            state.respond(ctx, 200, answer);
        } catch (ApiException e) {
            api.error(ctx, e);
        }
    }

    private ObjectNode answer(EmbeddingsRequest request, int promptTokens) {
        ObjectNode body = state.json.createObjectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < request.inputs().size(); i++) {
            float[] vector = MiniLm.embed(request.inputs().get(i), request.dimensions());
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (request.base64()) {
                item.put("embedding", base64(vector));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        body.put("model", request.model());
        body.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
        return body;
    }

    /** Little-endian float32s, what the SDKs decode ({@code numpy.frombuffer(..., dtype="float32")}). */
    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            bytes.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
