package dev.sluice.worker.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import java.net.URI;
import java.util.Locale;

/**
 * OpenAI Chat Completions over HTTP ({@code POST {baseUrl}/v1/chat/completions}). The same
 * protocol serves OpenAI itself and OpenAI-compatible servers (vLLM, Ollama, llama.cpp) given
 * their base URL. Usage is read including cached prompt tokens, which are priced apart.
 */
public final class OpenAiProvider implements ChatProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_INSTRUCTION = "Respond with a single JSON object.";

    private final String name;
    private final URI endpoint;
    private final Secret apiKey;
    private final ProviderHttp http;

    public OpenAiProvider(String name, String baseUrl, Secret apiKey, HttpSettings settings) {
        this.name = name;
        this.endpoint = ProviderHttp.endpoint(baseUrl, "/v1/chat/completions");
        this.apiKey = apiKey;
        this.http = new ProviderHttp(name, settings);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException {
        ProviderHttp.Request request = ProviderHttp.Request.to(endpoint).header("Content-Type", "application/json");
        if (!apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + apiKey.reveal());
        }
        ProviderHttp.Answer response = http.post(request, body(model, job.request()));
        if (response.statusCode() / 100 != 2) {
            throw error(response);
        }
        return reply(response);
    }

    static String body(ModelSpec model, LlmRequest r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model.name());
        ArrayNode messages = body.putArray("messages");
        ResponseFormat f = r.responseFormat();
        if (f != null && f.type() == ResponseFormat.Type.JSON && r.messages().stream()
                .noneMatch(m -> m.content().toLowerCase(Locale.ROOT).contains("json"))) {
            // OpenAI refuses json_object unless a message mentions JSON; say it for the caller.
            messages.addObject().put("role", "system").put("content", JSON_INSTRUCTION);
        }
        for (Message m : r.messages()) {
            messages.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT)).put("content", m.content());
        }
        body.put("max_completion_tokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            body.put("temperature", r.temperature());
        }
        if (f != null && f.type() == ResponseFormat.Type.JSON) {
            body.putObject("response_format").put("type", "json_object");
        } else if (f != null && f.type() == ResponseFormat.Type.JSON_SCHEMA) {
            ObjectNode schema = body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
            schema.put("name", f.schemaName() == null ? "output" : f.schemaName());
            try {
                schema.set("schema", JSON.readTree(f.jsonSchema()));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("jsonSchema is not JSON; the router should have refused it", e);
            }
            schema.put("strict", true);
        }
        return body.toString();
    }

    private ProviderReply reply(ProviderHttp.Answer response) throws ProviderException {
        ProviderReply reply = reply(name, response.statusCode(), response.body(),
                response.headers().firstValue("x-request-id").orElse(null));
        return new ProviderReply(reply.text(), reply.finishReason(), reply.usage(), reply.httpStatus(),
                reply.providerRequestId(), RateLimitHeaders.openAi(response.headers()));
    }

    /** Reads a chat.completion body: the first choice's text, usage with cached prompt tokens apart. */
    static ProviderReply reply(String name, int status, String body, String requestId) throws ProviderException {
        try {
            return reply(JSON.readTree(body), status, requestId);
        } catch (JsonProcessingException e) {
            throw new ProviderException(status, "invalid_response", null, name
                    + " answered 2xx with a body that is not JSON", true, null);
        }
    }

    static ProviderReply reply(JsonNode root, int status, String requestId) {
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        String text = message.path("content").isNull() ? "" : message.path("content").asText("");
        JsonNode usage = root.path("usage");
        long prompt = usage.path("prompt_tokens").asLong();
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        long completion = usage.path("completion_tokens").asLong();
        return new ProviderReply(text, choice.path("finish_reason").asText(null),
                new Usage(Math.max(0, prompt - cached), completion, cached, 0), status, requestId);
    }

    private ProviderException error(ProviderHttp.Answer response) {
        int status = response.statusCode();
        String type = null;
        String code = null;
        String message = "HTTP " + status;
        try {
            JsonNode err = JSON.readTree(response.body()).path("error");
            type = err.path("type").asText(null);
            code = err.path("code").asText(null);
            message = err.path("message").asText(message);
        } catch (JsonProcessingException e) {
            // Proxies answer with HTML; the status alone decides.
        }
        boolean retryable = ProviderHttp.retryable(response,
                "insufficient_quota".equals(code) || "insufficient_quota".equals(type));
        return new ProviderException(status, type, code, name + ": " + message, retryable,
                ProviderHttp.retryAfter(response), RateLimitHeaders.openAi(response.headers()));
    }

    @Override
    public void close() {
        http.close();
    }
}
