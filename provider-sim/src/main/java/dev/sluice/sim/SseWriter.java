package dev.sluice.sim;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Server-sent events written straight to the servlet stream and flushed per event, so a client
 * sees tokens arrive over time instead of in one buffered block.
 */
final class SseWriter {

    private final OutputStream out;

    SseWriter(Context ctx) {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("cache-control", "no-cache");
        try {
            this.out = ctx.res().getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** OpenAI style: data lines only. */
    void data(String payload) {
        write("data: " + payload + "\n\n");
    }

    /** Anthropic style: every event is named and its data carries the same type. */
    void event(String name, String payload) {
        write("event: " + name + "\ndata: " + payload + "\n\n");
    }

    static Duration perChunk(Duration total, int chunks) {
        return chunks == 0 ? Duration.ZERO : total.dividedBy(chunks);
    }

    private void write(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The client went away mid-stream; nothing left to answer.
            throw new UncheckedIOException("client closed the stream", e);
        }
    }
}
