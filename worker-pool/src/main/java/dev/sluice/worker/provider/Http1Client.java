package dev.sluice.worker.provider;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A blocking HTTP/1.1 client for provider calls. Each exchange runs on its caller's thread (a
 * job's virtual thread), on a kept-alive connection taken from a pool per origin; there is no
 * selector, no executor hand-off and no future between the call and its socket, which is where
 * the JDK's {@code java.net.http} client spends most of its CPU under many small calls.
 *
 * <ul>
 *   <li>Bodies are sent with {@code Content-Length}; answers are read by {@code Content-Length},
 *       chunked, or to the end of the connection. Interim 1xx answers are skipped.</li>
 *   <li>The timeout is one deadline for the whole exchange, connection and TLS handshake
 *       included; running past it throws {@link HttpTimeoutException}.</li>
 *   <li>An interrupted caller (a job over its time limit) closes its socket and gets an
 *       {@link IOException} with its interrupt status set, as virtual threads do.</li>
 *   <li>A pooled connection idle for longer than its keep-alive is closed rather than reused. One the server
 *       closed meanwhile is retried once on a new connection, only for a request that is safe to
 *       send twice: a GET, or one with an {@code Idempotency-Key}. Any other is not sent again
 *       here (the JDK client does the same); the job's retries decide.</li>
 *   <li>{@code https} is TLS with the JVM's trust store, host name checked, SNI sent.</li>
 *   <li>Every request carries {@code Host}, {@code User-Agent: sluice-worker} and, with a body,
 *       {@code Content-Length}; the adapters add the rest.</li>
 * </ul>
 */
final class Http1Client implements ProviderHttp.Transport {
    private static final int MAX_LINE = 64 * 1024;
    private static final int MAX_HEADER_BYTES = 256 * 1024;
    private static final int ALLOCATE_AT_ONCE = 1 << 20;
    static final String USER_AGENT = "sluice-worker";

    private final Duration connectTimeout;
    private final long keepAliveNanos;
    private final SSLSocketFactory tls;
    private final Map<Origin, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();
    /** Connections in an exchange now: closed by {@link #close()}, so that no caller waits out its timeout. */
    private final Set<Connection> busy = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    Http1Client(Duration connectTimeout, Duration keepAlive) {
        this(connectTimeout, keepAlive, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** With {@code tls} trusting what the JVM's trust store would not (tests' own certificates). */
    Http1Client(Duration connectTimeout, Duration keepAlive, SSLSocketFactory tls) {
        this.connectTimeout = connectTimeout;
        this.keepAliveNanos = keepAlive.toNanos();
        this.tls = tls;
    }

    /** Where connections can be shared: scheme, host and port. */
    record Origin(boolean tls, String host, int port) {
        static Origin of(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("not an http or https address: " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("no host in " + uri);
            }
            boolean tls = scheme.equals("https");
            return new Origin(tls, uri.getHost(), uri.getPort() < 0 ? (tls ? 443 : 80) : uri.getPort());
        }

        String hostHeader() {
            String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
            return port == (tls ? 443 : 80) ? h : h + ":" + port;
        }
    }

    @Override
    public ProviderHttp.Answer exchange(ProviderHttp.Request request, Duration timeout) throws IOException {
        if (closed) {
            throw new IOException("client closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Origin origin = Origin.of(request.uri());
        byte[] head = head(request, origin);
        Connection pooled = pooled(origin);
        if (pooled != null) {
            try {
                return exchange(pooled, origin, head, request, deadline);
            } catch (ServerClosedIdle e) {
                if (!request.replayable()) {
                    throw new IOException("the server closed a kept-alive connection without answering", e);
                }
            }
        }
        Connection fresh = connect(origin, deadline);
        try {
            return exchange(fresh, origin, head, request, deadline);
        } catch (ServerClosedIdle e) {
            throw new IOException("the server closed the connection without answering", e);
        }
    }

    private ProviderHttp.Answer exchange(
            Connection c, Origin origin, byte[] head, ProviderHttp.Request request, long deadline) throws IOException {
        boolean keep = false;
        busy.add(c);
        try {
            if (closed) {
                throw new IOException("client closed");
            }
            c.deadline = deadline;
            c.out.write(head);
            if (request.body() != null) {
                c.out.write(request.body());
            }
            c.out.flush();
            Response r = read(c, request.method());
            keep = r.keepAlive && keepAliveNanos > 0 && !closed;
            return new ProviderHttp.Answer(r.status, r.headers, r.body);
        } catch (SocketTimeoutException e) {
            throw timeout();
        } catch (IOException e) {
            if (c.reused
                    && c.received == 0
                    && !Thread.currentThread().isInterrupted()
                    && !(e instanceof HttpTimeoutException)) {
                throw new ServerClosedIdle(e);
            }
            throw e;
        } finally {
            busy.remove(c);
            if (keep) {
                c.idleSince = System.nanoTime();
                c.reused = true;
                c.received = 0;
                ConcurrentLinkedDeque<Connection> q = idle.computeIfAbsent(origin, o -> new ConcurrentLinkedDeque<>());
                q.push(c);
                evictExpired(q, c.idleSince);
            } else {
                c.close();
            }
        }
    }

    private static HttpTimeoutException timeout() {
        return new HttpTimeoutException("no whole answer before the deadline");
    }

    /**
     * Closes the least recently used connections whose keep-alive has passed. Taking the most recent
     * first leaves the others at the tail after a burst; they would otherwise stay open (and the
     * server's side of them closed) until the next burst reached them.
     */
    private void evictExpired(ConcurrentLinkedDeque<Connection> q, long now) {
        for (Connection last = q.pollLast(); last != null; last = q.pollLast()) {
            if (now - last.idleSince < keepAliveNanos) {
                q.offerLast(last);
                return;
            }
            last.close();
        }
    }

    /** The most recently used live connection to the origin, or null. */
    private Connection pooled(Origin origin) {
        ConcurrentLinkedDeque<Connection> q = idle.get(origin);
        if (q == null) {
            return null;
        }
        long now = System.nanoTime();
        for (Connection c = q.poll(); c != null; c = q.poll()) {
            if (now - c.idleSince < keepAliveNanos && !c.socket.isClosed()) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private Connection connect(Origin origin, long deadline) throws IOException {
        long left = remainingMillis(deadline);
        int connectMillis = (int) Math.min(left, connectTimeout.toMillis());
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(origin.host(), origin.port()), connectMillis);
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new HttpConnectTimeoutException(
                    "no connection to " + origin.hostHeader() + " within " + connectMillis + " ms");
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        try {
            socket.setTcpNoDelay(true);
            if (origin.tls()) {
                SSLSocket secure = (SSLSocket) tls.createSocket(socket, origin.host(), origin.port(), true);
                SSLParameters params = secure.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                params.setApplicationProtocols(new String[] {"http/1.1"});
                secure.setSSLParameters(params);
                secure.setSoTimeout((int) remainingMillis(deadline));
                secure.startHandshake();
                return new Connection(secure);
            }
            return new Connection(socket);
        } catch (SocketTimeoutException e) {
            socket.close();
            throw timeout();
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static long remainingMillis(long deadline) throws HttpTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw timeout();
        }
        return left;
    }

    /** The request line and headers, with Host and Content-Length added. */
    static byte[] head(ProviderHttp.Request request, Origin origin) {
        URI uri = request.uri();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder b =
                new StringBuilder(256).append(request.method()).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            b.append('?').append(uri.getRawQuery());
        }
        // A User-Agent as every SDK sends one: some edge proxies challenge requests without it.
        b.append(" HTTP/1.1\r\nHost: ")
                .append(origin.hostHeader())
                .append("\r\nUser-Agent: ")
                .append(USER_AGENT)
                .append("\r\n");
        List<String> headers = request.headers();
        for (int i = 0; i < headers.size(); i += 2) {
            b.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
        }
        if (request.body() != null) {
            b.append("Content-Length: ").append(request.body().length).append("\r\n");
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private record Response(int status, HttpHeaders headers, String body, boolean keepAlive) {}

    private static Response read(Connection c, String method) throws IOException {
        while (true) {
            String statusLine = c.line();
            // "HTTP/1.1 200 OK": the version, the code, and a reason that may be missing.
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                throw new ProtocolException(
                        "not an HTTP/1.x status line: " + statusLine.substring(0, Math.min(40, statusLine.length())));
            }
            int status = parseStatus(statusLine);
            boolean http10 = statusLine.charAt(7) == '0';
            Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            int headerBytes = 0;
            for (String line = c.line(); !line.isEmpty(); line = c.line()) {
                headerBytes += line.length();
                if (headerBytes > MAX_HEADER_BYTES) {
                    throw new ProtocolException("answer headers over " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new ProtocolException("a header line without a name");
                }
                fields.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>(1))
                        .add(line.substring(colon + 1).strip());
            }
            if (status / 100 == 1 && status != 101) {
                continue; // 100 Continue, 103 Early Hints: the real answer follows
            }
            HttpHeaders headers = HttpHeaders.of(fields, (k, v) -> true);
            String connection = headers.firstValue("connection").orElse("").toLowerCase(Locale.ROOT);
            boolean keepAlive = http10 ? connection.contains("keep-alive") : !connection.contains("close");
            byte[] body;
            if (method.equals("HEAD") || status == 204 || status == 304) {
                body = new byte[0];
            } else if (headers.firstValue("transfer-encoding")
                    .orElse("")
                    .toLowerCase(Locale.ROOT)
                    .contains("chunked")) {
                body = c.chunked();
            } else {
                String length = headers.firstValue("content-length").orElse(null);
                if (length != null) {
                    long n;
                    try {
                        n = Long.parseLong(length.strip());
                    } catch (NumberFormatException e) {
                        throw new ProtocolException("Content-Length is not a number");
                    }
                    if (n < 0 || n > Integer.MAX_VALUE - 16) {
                        throw new ProtocolException("Content-Length " + n + " out of range");
                    }
                    body = c.bytes((int) n);
                } else {
                    body = c.rest();
                    keepAlive = false;
                }
            }
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8), keepAlive);
        }
    }

    private static int parseStatus(String line) throws ProtocolException {
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char ch = line.charAt(i);
            if (ch < '0' || ch > '9') {
                throw new ProtocolException("status code is not three digits");
            }
            code = code * 10 + (ch - '0');
        }
        if (line.length() > 12 && line.charAt(12) != ' ') {
            throw new ProtocolException("status code is not three digits");
        }
        return code;
    }

    /** A reused connection failed before a byte of the answer: the server most likely closed it idle. */
    private static final class ServerClosedIdle extends IOException {
        ServerClosedIdle(IOException cause) {
            super(cause);
        }
    }

    /** One socket with its own read buffer; the deadline is checked on every read from the socket. */
    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[16 * 1024];
        int pos;
        int lim;
        long deadline;
        long idleSince;
        boolean reused;
        long received;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        }

        private boolean fill() throws IOException {
            socket.setSoTimeout((int) remainingMillis(deadline));
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            pos = 0;
            lim = n;
            received += n;
            return true;
        }

        /** A line without its CRLF (or bare LF), in ISO-8859-1. */
        String line() throws IOException {
            StringBuilder b = null;
            while (true) {
                if (pos == lim && !fill()) {
                    throw new EOFException("connection closed mid-answer");
                }
                int start = pos;
                while (pos < lim && buf[pos] != '\n') {
                    pos++;
                }
                boolean done = pos < lim;
                int end = pos;
                if (done) {
                    pos++;
                }
                int len = end - start;
                if (b == null && done) {
                    if (len > 0 && buf[end - 1] == '\r') {
                        len--;
                    }
                    return new String(buf, start, len, StandardCharsets.ISO_8859_1);
                }
                if (b == null) {
                    b = new StringBuilder(128);
                }
                b.append(new String(buf, start, len, StandardCharsets.ISO_8859_1));
                if (b.length() > MAX_LINE) {
                    throw new ProtocolException("a line of the answer over " + MAX_LINE + " bytes");
                }
                if (done) {
                    int n = b.length();
                    return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
                }
            }
        }

        byte[] bytes(int n) throws IOException {
            if (n > ALLOCATE_AT_ONCE) {
                // A length is only a claim: take memory as the bytes arrive, not for what is announced.
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(ALLOCATE_AT_ONCE);
                for (int left = n; left > 0; left -= ALLOCATE_AT_ONCE) {
                    body.writeBytes(bytes(Math.min(left, ALLOCATE_AT_ONCE)));
                }
                return body.toByteArray();
            }
            byte[] out = new byte[n];
            int have = Math.min(n, lim - pos);
            System.arraycopy(buf, pos, out, 0, have);
            pos += have;
            while (have < n) {
                socket.setSoTimeout((int) remainingMillis(deadline));
                int r = in.read(out, have, n - have);
                if (r <= 0) {
                    throw new EOFException("connection closed after " + have + " of " + n + " body bytes");
                }
                have += r;
                received += r;
            }
            return out;
        }

        byte[] chunked() throws IOException {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                int semi = sizeLine.indexOf(';');
                String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip();
                int size;
                try {
                    size = Integer.parseInt(hex, 16);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("a chunk size that is not hexadecimal");
                }
                if (size < 0 || body.size() + (long) size > Integer.MAX_VALUE - 16) {
                    throw new ProtocolException("chunked body too large");
                }
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers: not used by providers
                    }
                    return body.toByteArray();
                }
                body.writeBytes(bytes(size));
                if (!line().isEmpty()) {
                    throw new ProtocolException("no CRLF after a chunk");
                }
            }
        }

        byte[] rest() throws IOException {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(buf, pos, lim - pos);
            pos = lim;
            while (fill()) {
                body.write(buf, 0, lim);
                pos = lim;
            }
            return body.toByteArray();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing: nothing to do
            }
        }
    }

    /** Closes idle connections, and those in an exchange now, whose callers get an IOException. */
    @Override
    public void close() {
        closed = true;
        idle.values().forEach(q -> {
            for (Connection c = q.poll(); c != null; c = q.poll()) {
                c.close();
            }
        });
        busy.forEach(Connection::close);
    }
}
