package dev.sluice.worker.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
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

    private final OpenAiProtocol protocol;
    private final URI endpoint;
    private final ProviderHttp http;

    public OpenAiProvider(String name, String baseUrl, Secret apiKey, HttpSettings settings) {
        this.protocol = new OpenAiProtocol(name, apiKey);
        this.endpoint = ProviderHttp.endpoint(baseUrl, "/v1/chat/completions");
        this.http = new ProviderHttp(name, settings);
    }

    @Override
    public String name() {
        return protocol.name();
    }

    @Override
    public ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException {
        return protocol.reply(http.post(
                protocol.request(endpoint).header("Content-Type", "application/json"), body(model, job.request())));
    }

    /** The request body, which a batch line carries as it is. */
    static String body(ModelSpec model, LlmRequest r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model.name());
        ArrayNode messages = body.putArray("messages");
        ResponseFormat f = r.responseFormat();
        if (f != null
                && f.type() == ResponseFormat.Type.JSON
                && r.messages().stream()
                        .noneMatch(m -> m.content().toLowerCase(Locale.ROOT).contains("json"))) {
            // OpenAI refuses json_object unless a message mentions JSON; say it for the caller.
            messages.addObject().put("role", "system").put("content", JSON_INSTRUCTION);
        }
        for (Message m : r.messages()) {
            messages.addObject()
                    .put("role", m.role().name().toLowerCase(Locale.ROOT))
                    .put("content", m.content());
        }
        body.put("max_completion_tokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            body.put("temperature", r.temperature());
        }
        if (f != null && f.type() == ResponseFormat.Type.JSON) {
            body.putObject("response_format").put("type", "json_object");
        } else if (f != null && f.type() == ResponseFormat.Type.JSON_SCHEMA) {
            ObjectNode schema =
                    body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
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

    @Override
    public void close() {
        http.close();
    }
}
