package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A validated {@code POST /v1/embeddings} request, in the real API's wording where it is known
 * (README, Embeddings). The model is looked up after the body's shape is checked; which of the two
 * OpenAI checks first is not documented.
 *
 * @param dimensions the requested length, 0 when absent
 */
record EmbeddingsRequest(String model, List<String> inputs, boolean base64, int dimensions) {

    /** The models served here and whether each accepts {@code dimensions} (text-embedding-3 onwards). */
    static final Map<String, Boolean> MODELS = Map.of(
            "text-embedding-3-small", true,
            "text-embedding-3-large", true,
            "text-embedding-ada-002", false);

    static final int MAX_INPUTS = 2048;
    static final int MAX_INPUT_TOKENS = 8192;
    static final int MAX_REQUEST_TOKENS = 300_000;
    private static final String INVALID_INPUT =
            "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

    static EmbeddingsRequest parse(JsonNode body) {
        String model = OpenAiRequest.model(body);
        List<String> inputs = inputs(body.get("input"));
        boolean base64 = encoding(body.get("encoding_format"));
        int dimensions = dimensions(body.get("dimensions"));
        Boolean shortens = MODELS.get(model);
        if (shortens == null) {
            throw Faults.openAi(404, model, SimConfig.defaults());
        }
        if (dimensions > 0 && !shortens) {
            throw ApiException.invalid("This model does not support specifying dimensions.", null, null);
        }
        return new EmbeddingsRequest(model, inputs, base64, dimensions);
    }

    /** Each input's o200k count; one over the model's window, or all together over the request's cap, is refused. */
    int[] tokens() {
        int[] counts = new int[inputs.size()];
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Tokens.count(inputs.get(i));
            if (counts[i] > MAX_INPUT_TOKENS) {
                throw ApiException.invalid(
                        "This model's maximum context length is " + MAX_INPUT_TOKENS
                                + " tokens, however you requested " + counts[i] + " tokens (" + counts[i]
                                + " in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
                        null,
                        null);
            }
            total += counts[i];
        }
        if (total > MAX_REQUEST_TOKENS) {
            throw ApiException.invalid(
                    "Requested " + total + " tokens, max " + MAX_REQUEST_TOKENS + " tokens per request",
                    "input",
                    "max_tokens_per_request");
        }
        return counts;
    }

    private static List<String> inputs(JsonNode input) {
        if (!Json.present(input)) {
            throw ApiException.invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");
        }
        if (input.isTextual()) {
            return List.of(text(input));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw ApiException.invalid(INVALID_INPUT, null, null);
        }
        if (input.size() > MAX_INPUTS) {
            throw ApiException.invalid(
                    "Invalid 'input': array too long. Expected an array with maximum length " + MAX_INPUTS
                            + ", but got an array with length " + input.size() + " instead.",
                    "input",
                    "array_above_max_length");
        }
        if (input.get(0).isIntegralNumber() || input.get(0).isArray()) {
            // Token ids are cl100k ids for these models; the simulator embeds text and does not decode them.
            throw ApiException.invalid(
                    "The simulator embeds text only: send 'input' as a string or an array of "
                            + "strings, not token ids.",
                    "input",
                    "invalid_type");
        }
        List<String> texts = new ArrayList<>(input.size());
        input.forEach(item -> texts.add(text(item)));
        return List.copyOf(texts);
    }

    /** OpenAI refuses an empty string anywhere in the input with its generic schema message. */
    private static String text(JsonNode item) {
        if (!item.isTextual() || item.asText().isEmpty()) {
            throw ApiException.invalid(INVALID_INPUT, null, null);
        }
        return item.asText();
    }

    private static boolean encoding(JsonNode format) {
        if (!Json.present(format)) {
            return false;
        }
        String value = format.asText();
        if (!format.isTextual() || !(value.equals("float") || value.equals("base64"))) {
            throw ApiException.invalid(
                    "Invalid value: '" + value + "'. Supported values are: 'float' and 'base64'.",
                    "encoding_format",
                    "invalid_value");
        }
        return value.equals("base64");
    }

    private static int dimensions(JsonNode dimensions) {
        if (!Json.present(dimensions)) {
            return 0;
        }
        if (!dimensions.isIntegralNumber()) {
            throw OpenAiRequest.invalidType("dimensions", "an integer", dimensions);
        }
        if (dimensions.asLong() < 1) {
            throw ApiException.invalid(
                    "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, " + "but got "
                            + dimensions + " instead.",
                    "dimensions",
                    "integer_below_min_value");
        }
        if (dimensions.asLong() > MiniLm.DIMENSIONS) {
            throw ApiException.invalid(
                    "Invalid 'dimensions': the simulator answers with all-MiniLM-L6-v2's "
                            + MiniLm.DIMENSIONS + " dimensions and can shorten its vectors, not lengthen them; got "
                            + dimensions + ".",
                    "dimensions",
                    "invalid_value");
        }
        return dimensions.intValue();
    }
}
