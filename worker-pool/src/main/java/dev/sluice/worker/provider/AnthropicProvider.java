package dev.sluice.worker.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.tokens.TokenCounter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic Messages over HTTP ({@code POST {baseUrl}/v1/messages}). The job's messages are
 * adapted to Anthropic's shape: system messages become the top-level {@code system}, the others
 * keep their order as user and assistant turns. Messages marked cacheable get a
 * {@code cache_control} breakpoint when the prompt up to them reaches the model's minimum; the
 * usage's cache reads and writes are priced apart.
 */
public final class AnthropicProvider implements ChatProvider {
    static final String JSON_INSTRUCTION = "Respond with a single JSON object and nothing else.";
    /** Anthropic accepts at most four cache breakpoints in one request. */
    static final int MAX_BREAKPOINTS = 4;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnthropicProtocol protocol;
    private final URI endpoint;
    private final ProviderHttp http;

    public AnthropicProvider(String name, String baseUrl, Secret apiKey, HttpSettings settings) {
        this.protocol = new AnthropicProtocol(name, apiKey);
        this.endpoint = ProviderHttp.endpoint(baseUrl, "/v1/messages");
        this.http = new ProviderHttp(name, settings);
    }

    @Override
    public String name() {
        return protocol.name();
    }

    @Override
    public ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException {
        return protocol.reply(http.post(
                protocol.request(endpoint).header("content-type", "application/json"), body(model, job.request())));
    }

    /**
     * The request body, which a batch line carries as its params. Anthropic has no JSON mode, so
     * JSON and JSON-schema formats become a system instruction (the schema quoted); temperature
     * is capped at Anthropic's maximum of 1.
     */
    static String body(ModelSpec model, LlmRequest r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model.name());
        body.put("max_tokens", r.maxOutputTokens());
        List<Message> system = new ArrayList<>();
        List<Message> turns = new ArrayList<>();
        for (Message m : r.messages()) {
            (m.role() == Role.SYSTEM ? system : turns).add(m);
        }
        if (turns.isEmpty()) {
            // Anthropic needs a turn; a prompt given only as system messages is sent as the user's.
            system.forEach(m -> turns.add(new Message(Role.USER, m.content(), m.cacheable())));
            system.clear();
        }
        ResponseFormat f = r.responseFormat();
        if (f != null && f.type() == ResponseFormat.Type.JSON) {
            system.add(Message.system(JSON_INSTRUCTION));
        } else if (f != null && f.type() == ResponseFormat.Type.JSON_SCHEMA) {
            system.add(
                    Message.system(JSON_INSTRUCTION + " It must be valid against this JSON schema: " + f.jsonSchema()));
        }
        boolean[] breakpoints = breakpoints(model, system, turns);
        if (!system.isEmpty()) {
            ArrayNode blocks = body.putArray("system");
            for (int i = 0; i < system.size(); i++) {
                textBlock(blocks, system.get(i).content(), breakpoints[i]);
            }
        }
        ArrayNode messages = body.putArray("messages");
        for (int i = 0; i < turns.size(); i++) {
            Message m = turns.get(i);
            ObjectNode turn = messages.addObject().put("role", m.role() == Role.ASSISTANT ? "assistant" : "user");
            textBlock(turn.putArray("content"), m.content(), breakpoints[system.size() + i]);
        }
        if (r.temperature() != null) {
            body.put("temperature", Math.min(1.0, r.temperature()));
        }
        return body.toString();
    }

    /**
     * Which blocks (system first, then turns) carry a cache breakpoint: those marked cacheable
     * whose prefix, counted up to and including them, reaches the model's minimum; at most the
     * last four, as a later breakpoint covers everything before it.
     */
    static boolean[] breakpoints(ModelSpec model, List<Message> system, List<Message> turns) {
        List<Message> all = new ArrayList<>(system);
        all.addAll(turns);
        boolean[] marks = new boolean[all.size()];
        long prefix = 0;
        for (int i = 0; i < all.size(); i++) {
            prefix += TokenCounter.count(all.get(i).content());
            marks[i] = all.get(i).cacheable() && model.minCacheTokens() > 0 && prefix >= model.minCacheTokens();
        }
        int kept = 0;
        for (int i = marks.length - 1; i >= 0; i--) {
            if (marks[i] && ++kept > MAX_BREAKPOINTS) {
                marks[i] = false;
            }
        }
        return marks;
    }

    private static void textBlock(ArrayNode blocks, String text, boolean breakpoint) {
        ObjectNode block = blocks.addObject().put("type", "text").put("text", text);
        if (breakpoint) {
            block.putObject("cache_control").put("type", "ephemeral");
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
