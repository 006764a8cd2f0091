package dev.sluice.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** {@code /v1/files}: multipart upload, metadata and content of input and output files, kept in memory. */
final class OpenAiFilesApi {

    static final long FILE_TTL_SECONDS = 30L * 24 * 3600;
    private static final List<String> PURPOSES =
            List.of("assistants", "batch", "fine-tune", "vision", "user_data", "evals");

    /** A stored file; {@code createdAt} and {@code expiresAt} in Unix seconds, {@code expiresAt} may be null. */
    record SimFile(String id, String filename, String purpose, byte[] content, long createdAt, Long expiresAt) {}

    final Stored<SimFile> files = new Stored<>(SimFile::id);
    private final SimState state;
    private final OpenAiApi api;
    private final BatchLimits limits;

    OpenAiFilesApi(SimState state, OpenAiApi api, BatchLimits limits) {
        this.state = state;
        this.api = api;
        this.limits = limits;
    }

    void upload(Context ctx) {
        api.serve(ctx, config -> {
            if (!ctx.isMultipartFormData()) {
                throw ApiException.invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter");
            }
            String purpose = ctx.formParam("purpose");
            if (purpose == null || purpose.isBlank()) {
                throw ApiException.invalid(
                        "Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
            }
            if (!PURPOSES.contains(purpose)) {
                throw ApiException.invalid(
                        "Invalid value: '" + purpose + "'. Supported values are: 'assistants', 'batch', "
                                + "'fine-tune', 'vision', 'user_data', and 'evals'.",
                        "purpose",
                        "invalid_value");
            }
            UploadedFile file = ctx.uploadedFile("file");
            if (file == null) {
                throw ApiException.invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter");
            }
            if (purpose.equals("batch") && !file.filename().endsWith(".jsonl")) {
                throw ApiException.invalid("Invalid file format for Batch API. Must be .jsonl", "file", null);
            }
            byte[] content = read(file);
            long now = OpenAiBatch.seconds(state.now());
            Long expiresAt = expiresAt(ctx, purpose, now);
            SimFile stored = new SimFile(Ids.openAiFile(), file.filename(), purpose, content, now, expiresAt);
            files.add(stored);
            state.respond(ctx, 200, toJson(stored));
        });
    }

    void retrieve(Context ctx) {
        api.serve(ctx, config -> {
            state.respond(ctx, 200, toJson(find(ctx.pathParam("id"))));
        });
    }

    void content(Context ctx) {
        api.serve(ctx, config -> {
            SimFile file = find(ctx.pathParam("id"));
            ctx.status(200).contentType("application/octet-stream").result(file.content());
        });
    }

    SimFile find(String id) {
        SimFile file = files.get(id);
        if (file == null) {
            throw new ApiException(404, "invalid_request_error", "No such File object: " + id, "id", null, null);
        }
        return file;
    }

    SimFile store(String filename, String purpose, byte[] content, long createdAtSeconds) {
        SimFile file = new SimFile(
                Ids.openAiFile(), filename, purpose, content, createdAtSeconds, createdAtSeconds + FILE_TTL_SECONDS);
        files.add(file);
        return file;
    }

    ObjectNode toJson(SimFile file) {
        ObjectNode body = state.json.createObjectNode();
        body.put("id", file.id());
        body.put("object", "file");
        body.put("bytes", file.content().length);
        body.put("created_at", file.createdAt());
        body.put("expires_at", file.expiresAt());
        body.put("filename", file.filename());
        body.put("purpose", file.purpose());
        // Deprecated by OpenAI but still required by its SDKs' models.
        body.put("status", "processed");
        body.putNull("status_details");
        return body;
    }

    /** Reads at most the general upload limit; a batch file's own 200 MB limit fails the batch instead. */
    private byte[] read(UploadedFile file) {
        if (file.size() > limits.maxUploadBytes()) {
            throw ApiException.invalid(
                    "File is too large. The maximum file size is " + (limits.maxUploadBytes() >> 20) + " MB.",
                    "file",
                    null);
        }
        try (InputStream in = file.content()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Batch files expire after 30 days unless {@code expires_after} says otherwise; other purposes never by default. */
    private static Long expiresAt(Context ctx, String purpose, long now) {
        String anchor = ctx.formParam("expires_after[anchor]");
        String seconds = ctx.formParam("expires_after[seconds]");
        if (anchor == null && seconds == null) {
            return purpose.equals("batch") ? now + FILE_TTL_SECONDS : null;
        }
        if (!"created_at".equals(anchor)) {
            throw ApiException.invalid(
                    "Invalid value: '" + anchor + "'. Supported values are: 'created_at'.",
                    "expires_after[anchor]",
                    "invalid_value");
        }
        long value;
        try {
            value = Long.parseLong(seconds == null ? "" : seconds.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid(
                    "Invalid type for 'expires_after[seconds]': expected an integer, but got "
                            + (seconds == null ? "null" : "a string") + " instead.",
                    "expires_after[seconds]",
                    "invalid_type");
        }
        if (value < 3600 || value > FILE_TTL_SECONDS) {
            throw ApiException.invalid(
                    "Invalid 'expires_after[seconds]': expected a value between 3600 (1 hour) and " + FILE_TTL_SECONDS
                            + " (30 days), but got " + value + " instead.",
                    "expires_after[seconds]",
                    "invalid_value");
        }
        return now + value;
    }
}
