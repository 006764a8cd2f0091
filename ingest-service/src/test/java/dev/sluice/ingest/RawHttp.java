package dev.sluice.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP/1.1 written by hand on a socket, for what java.net.http will not send (a bad
 * percent-encoding, a 9 KB header, a 10 KB URI, an invalid method) and for a body sent a byte at a
 * time. Reads one response at a time (Content-Length, chunked, or up to the close).
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    record Response(String request, int status, Map<String, String> headers, String body) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }
    }

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        socket.setSoTimeout(30_000);
    }

    static RawHttp connect(int port) throws IOException {
        return new RawHttp(new Socket("127.0.0.1", port));
    }

    /** Sends {@code request} on a new connection and reads the answer. */
    static Response exchange(int port, String request) throws IOException {
        try (RawHttp http = connect(port)) {
            http.send(request);
            return http.read(request);
        }
    }

    /**
     * What a body sent a byte at a time got: the answer, the bytes of the body sent by then, and
     * whether the server then closed the connection.
     */
    record Dripped(Response response, int sent, boolean closed) {}

    /**
     * Sends {@code head} (the request line and headers, with the blank line), then {@code body} a
     * byte every {@code every}, until an answer comes or the body is all sent; then reads the answer
     * and whether the server closes the connection within ten seconds.
     */
    static Dripped drip(int port, String head, String body, Duration every) throws Exception {
        try (RawHttp http = connect(port)) {
            http.send(head);
            CompletableFuture<Response> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return http.read(head);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            int sent = 0;
            while (!read.isDone() && sent < body.length()) {
                http.send(body.substring(sent, ++sent));
                try {
                    read.get(every.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillDripping) {
                    // the next byte
                }
            }
            Response response = read.get(30, TimeUnit.SECONDS);
            return new Dripped(response, sent, http.closedByServer(Duration.ofSeconds(10)));
        }
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** One response to {@code request} (whose method says whether a body follows). */
    Response read(String request) throws IOException {
        String statusLine = line();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            headers.put(
                    l.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    l.substring(colon + 1).strip());
        }
        byte[] body;
        if (request.startsWith("HEAD ")) {
            body = new byte[0];
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line().split(";")[0].strip(), 16);
                    size > 0;
                    size = Integer.parseInt(line().split(";")[0].strip(), 16)) {
                chunks.write(in.readNBytes(size));
                line();
            }
            line();
            body = chunks.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        String summary = request.lines().findFirst().orElse("");
        return new Response(
                summary.length() > 80 ? summary.substring(0, 80) + "…" : summary,
                Integer.parseInt(statusLine.split(" ")[1]),
                headers,
                new String(body, StandardCharsets.UTF_8));
    }

    /** Whether the server closes the connection within {@code within}: nothing more comes, the stream ends. */
    boolean closedByServer(Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: closed while bytes we sent were still unread
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("the connection ended inside a response: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
