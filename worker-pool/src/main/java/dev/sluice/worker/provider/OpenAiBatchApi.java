package dev.sluice.worker.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.LlmJob;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The OpenAI Batch API: the lines go up as a JSONL file ({@code POST /v1/files}, purpose
 * {@code batch}), a batch is created on it for {@code /v1/chat/completions} with a 24 h window
 * and Sluice's batch id in its metadata, and the results come back as an output file and an error
 * file. A batch is found again by that metadata.
 */
public final class OpenAiBatchApi implements BatchApi {
    /** The metadata key that carries Sluice's batch id. */
    public static final String TAG = "sluice_batch_id";

    static final int MAX_LINES = 50_000;
    static final long MAX_BYTES = 200L * 1024 * 1024;
    private static final Set<String> ENDED = Set.of("completed", "failed", "expired", "cancelled");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiProtocol protocol;
    private final String base;
    private final ProviderHttp http;

    public OpenAiBatchApi(String name, String baseUrl, Secret apiKey, HttpSettings settings) {
        this.protocol = new OpenAiProtocol(name, apiKey);
        this.base = ProviderHttp.endpoint(baseUrl, "/v1").toString();
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
        line.put("custom_id", customId).put("method", "POST").put("url", "/v1/chat/completions");
        try {
            line.set("body", JSON.readTree(OpenAiProvider.body(model, job.request())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the adapter's own body is JSON", e);
        }
        return line.toString();
    }

    @Override
    public String submit(String tag, ModelSpec model, List<String> lines) throws ProviderException {
        String fileId = upload(tag, lines);
        ObjectNode create = JSON.createObjectNode();
        create.put("input_file_id", fileId)
                .put("endpoint", "/v1/chat/completions")
                .put("completion_window", "24h");
        create.putObject("metadata").put(TAG, tag);
        JsonNode batch = protocol.json(http.post(
                protocol.request(base + "/batches").header("Content-Type", "application/json"), create.toString()));
        return batch.path("id").asText();
    }

    private String upload(String tag, List<String> lines) throws ProviderException {
        String boundary = "sluice-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "Content-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n");
        part(
                body,
                boundary,
                "Content-Disposition: form-data; name=\"file\"; filename=\"" + tag + ".jsonl\"\r\n"
                        + "Content-Type: application/jsonl\r\n\r\n");
        for (String line : lines) {
            body.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            body.write('\n');
        }
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        ProviderHttp.Request request = protocol.request(base + "/files")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .post(body.toByteArray());
        return protocol.json(http.send(request)).path("id").asText();
    }

    private static void part(ByteArrayOutputStream body, String boundary, String headersAndValue) {
        body.writeBytes(("--" + boundary + "\r\n" + headersAndValue).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public BatchProgress progress(String providerBatchId) throws ProviderException {
        return progress(protocol.json(http.send(protocol.request(base + "/batches/" + providerBatchId))));
    }

    static BatchProgress progress(JsonNode batch) {
        String status = batch.path("status").asText();
        JsonNode counts = batch.path("request_counts");
        String detail = status;
        JsonNode errors = batch.path("errors").path("data");
        if (errors.isArray() && !errors.isEmpty()) {
            JsonNode first = errors.get(0);
            detail = status + ": "
                    + first.path("message").asText(first.path("code").asText())
                    + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "");
        }
        return new BatchProgress(
                batch.path("id").asText(),
                status,
                ENDED.contains(status),
                "failed".equals(status),
                counts.path("total").asInt(),
                counts.path("completed").asInt() + counts.path("failed").asInt(),
                batch.path("output_file_id").asText(null),
                batch.path("error_file_id").asText(null),
                detail);
    }

    @Override
    public List<BatchLineResult> results(BatchProgress ended) throws ProviderException {
        List<BatchLineResult> lines = new ArrayList<>();
        for (String file : new String[] {ended.outputRef(), ended.errorRef()}) {
            if (file != null && !file.isEmpty()) {
                ProviderHttp.Answer content =
                        protocol.ok(http.send(protocol.request(base + "/files/" + file + "/content")));
                for (String line : content.body().split("\n")) {
                    if (!line.isBlank()) {
                        lines.add(resultLine(line));
                    }
                }
            }
        }
        return lines;
    }

    /** One line of an output or error file. */
    BatchLineResult resultLine(String line) throws ProviderException {
        JsonNode root = ProviderHttp.jsonLine(protocol.name(), line);
        String customId = root.path("custom_id").asText();
        JsonNode response = root.path("response");
        if (response.isMissingNode() || response.isNull()) {
            String code = root.path("error").path("code").asText("");
            if (code.equals("batch_expired")) {
                return BatchLineResult.notRun(customId, BatchLineResult.Kind.EXPIRED);
            }
            if (code.equals("batch_cancelled")) {
                return BatchLineResult.notRun(customId, BatchLineResult.Kind.CANCELED);
            }
            return BatchLineResult.errored(
                    customId,
                    new ProviderException(
                            0,
                            code,
                            code,
                            protocol.name() + ": "
                                    + root.path("error").path("message").asText(code),
                            true,
                            null));
        }
        int status = response.path("status_code").asInt();
        String requestId = response.path("request_id").asText(null);
        JsonNode body = response.path("body");
        if (status / 100 == 2) {
            return BatchLineResult.succeeded(customId, OpenAiProtocol.reply(body, status, requestId));
        }
        return BatchLineResult.errored(customId, protocol.error(status, body.path("error")));
    }

    @Override
    public Optional<String> find(String tag, Instant from, Instant to, int lines, Set<String> taken)
            throws ProviderException {
        String after = null;
        while (true) {
            JsonNode page = protocol.json(http.send(
                    protocol.request(base + "/batches?limit=100" + (after == null ? "" : "&after=" + after))));
            for (JsonNode batch : page.path("data")) {
                if (tag.equals(batch.path("metadata").path(TAG).asText(null))) {
                    return Optional.of(batch.path("id").asText());
                }
                if (batch.path("created_at").asLong() < from.getEpochSecond()) {
                    // Newest first: everything further on was created before the submission.
                    return Optional.empty();
                }
                after = batch.path("id").asText();
            }
            if (!page.path("has_more").asBoolean(false) || after == null) {
                return Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
