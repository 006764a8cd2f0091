package dev.sluice.worker.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.LlmJob;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Anthropic Message Batches: the lines go up in one {@code POST /v1/messages/batches}, and the
 * results come back as JSONL from {@code results_url} once the batch has ended.
 *
 * <p>Message batches carry no metadata, so a batch whose id was never recorded is found by when
 * it was created and how many requests it has, among the batches no record claims. Two unrecorded batches of the same size created in
 * the same window cannot be told apart until they end; ADR 0008 says why that costs at most a
 * second run of those lines, never a second completion.
 */
public final class AnthropicBatchApi implements BatchApi {
    static final int MAX_LINES = 100_000;
    static final long MAX_BYTES = 256L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnthropicProtocol protocol;
    private final String base;
    private final ProviderHttp http;

    public AnthropicBatchApi(String name, String baseUrl, Secret apiKey, HttpSettings settings) {
        this.protocol = new AnthropicProtocol(name, apiKey);
        this.base = ProviderHttp.endpoint(baseUrl, "/v1/messages/batches").toString();
        this.http = new ProviderHttp(name, settings);
    }

    @Override
    public String provider() {
        return protocol.name();
    }

    @Override
    public int maxLines() {
        return MAX_LINES;
    }

    @Override
    public long maxBytes() {
        return MAX_BYTES;
    }

    @Override
    public String line(String customId, ModelSpec model, LlmJob job) {
        ObjectNode line = JSON.createObjectNode();
        line.put("custom_id", customId);
        try {
            line.set("params", JSON.readTree(AnthropicProvider.body(model, job.request())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the adapter's own body is JSON", e);
        }
        return line.toString();
    }

    @Override
    public String submit(String tag, ModelSpec model, List<String> lines) throws ProviderException {
        StringBuilder body =
                new StringBuilder(lines.stream().mapToInt(String::length).sum() + lines.size() + 16);
        body.append("{\"requests\":[");
        for (int i = 0; i < lines.size(); i++) {
            body.append(i == 0 ? "" : ",").append(lines.get(i));
        }
        body.append("]}");
        return protocol.json(
                        http.post(protocol.request(base).header("content-type", "application/json"), body.toString()))
                .path("id")
                .asText();
    }

    @Override
    public BatchProgress progress(String providerBatchId) throws ProviderException {
        return progress(protocol.json(http.send(protocol.request(base + "/" + providerBatchId))));
    }

    static BatchProgress progress(JsonNode batch) {
        String status = batch.path("processing_status").asText();
        JsonNode c = batch.path("request_counts");
        int done = c.path("succeeded").asInt()
                + c.path("errored").asInt()
                + c.path("canceled").asInt()
                + c.path("expired").asInt();
        return new BatchProgress(
                batch.path("id").asText(),
                status,
                "ended".equals(status),
                false,
                done + c.path("processing").asInt(),
                done,
                batch.path("results_url").asText(null),
                null,
                status);
    }

    @Override
    public List<BatchLineResult> results(BatchProgress ended) throws ProviderException {
        String url = ended.outputRef() != null && !ended.outputRef().isEmpty()
                ? ended.outputRef()
                : base + "/" + ended.id() + "/results";
        ProviderHttp.Answer content = protocol.ok(http.send(protocol.request(url)));
        List<BatchLineResult> lines = new ArrayList<>();
        for (String line : content.body().split("\n")) {
            if (!line.isBlank()) {
                lines.add(resultLine(line));
            }
        }
        return lines;
    }

    /** One line of the results JSONL. */
    BatchLineResult resultLine(String line) throws ProviderException {
        JsonNode root = ProviderHttp.jsonLine(protocol.name(), line);
        String customId = root.path("custom_id").asText();
        JsonNode result = root.path("result");
        return switch (result.path("type").asText()) {
            case "succeeded" ->
                BatchLineResult.succeeded(
                        customId,
                        AnthropicProtocol.reply(
                                result.path("message"),
                                200,
                                result.path("message").path("id").asText(null)));
            case "expired" -> BatchLineResult.notRun(customId, BatchLineResult.Kind.EXPIRED);
            case "canceled" -> BatchLineResult.notRun(customId, BatchLineResult.Kind.CANCELED);
            default ->
                BatchLineResult.errored(
                        customId, protocol.error(result.path("error").path("error")));
        };
    }

    @Override
    public Optional<String> find(String tag, Instant from, Instant to, int lines, Set<String> taken)
            throws ProviderException {
        String after = null;
        while (true) {
            JsonNode page = protocol.json(
                    http.send(protocol.request(base + "?limit=100" + (after == null ? "" : "&after_id=" + after))));
            for (JsonNode batch : page.path("data")) {
                Instant created = instant(batch.path("created_at").asText());
                if (created != null && created.isBefore(from)) {
                    return Optional.empty();
                }
                if (created != null
                        && !created.isAfter(to)
                        && progress(batch).total() == lines
                        && !taken.contains(batch.path("id").asText())) {
                    return Optional.of(batch.path("id").asText());
                }
                after = batch.path("id").asText();
            }
            if (!page.path("has_more").asBoolean(false) || after == null) {
                return Optional.empty();
            }
        }
    }

    private static Instant instant(String rfc3339) {
        try {
            return OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
