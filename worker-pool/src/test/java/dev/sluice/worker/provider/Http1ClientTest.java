package dev.sluice.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ServerSocketFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sluice's HTTP/1.1 client against real TCP (and TLS) servers that answer by a script. */
class Http1ClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static Http1Client client() {
        return new Http1Client(Duration.ofSeconds(5), HttpSettings.DEFAULT_KEEP_ALIVE);
    }

    private static ProviderHttp.Request post(Script server, String path, String body) {
        return ProviderHttp.Request.to(server.url(path))
                .header("Content-Type", "application/json")
                .post(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void shouldSendTheRequestAsWrittenAndKeepTheConnectionForTheNextCall() throws Exception {
        try (Script server = Script.answering((r, out) -> {
                    out.write(ok("{\"n\":" + r.onConnection() + "}").getBytes(StandardCharsets.UTF_8));
                    return true;
                });
                Http1Client http = client()) {
            ProviderHttp.Answer first = http.exchange(
                    post(server, "/v1/chat?x=1", "{\"ü\":1}").header("Authorization", "Bearer k"), TIMEOUT);
            ProviderHttp.Answer second = http.exchange(post(server, "/v1/chat", "{}"), TIMEOUT);

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("content-type")).contains("application/json");
            assertThat(first.body()).isEqualTo("{\"n\":1}");
            assertThat(second.body()).isEqualTo("{\"n\":2}");
            assertThat(server.connections()).isEqualTo(1);
            Received sent = server.received().getFirst();
            assertThat(sent.head())
                    .startsWith("POST /v1/chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n")
                    .contains(
                            "\r\nUser-Agent: sluice-worker\r\n",
                            "\r\nContent-Type: application/json\r\n",
                            "\r\nAuthorization: Bearer k\r\n",
                            "\r\nContent-Length: 8\r\n");
            assertThat(new String(sent.body(), StandardCharsets.UTF_8)).isEqualTo("{\"ü\":1}");
        }
    }

    @Test
    void shouldReadAChunkedAnswerAfterAnInterimOneAndStillReuseTheConnection() throws Exception {
        try (Script server = Script.answering((r, out) -> {
                    out.write(("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    return true;
                });
                Http1Client http = client()) {
            ProviderHttp.Answer first = http.exchange(post(server, "/", "{}"), TIMEOUT);
            ProviderHttp.Answer second = http.exchange(post(server, "/", "{}"), TIMEOUT);

            assertThat(first.statusCode()).isEqualTo(429);
            assertThat(first.headers().firstValue("retry-after")).contains("2");
            assertThat(first.body()).isEqualTo("hello, world");
            assertThat(second.body()).isEqualTo("hello, world");
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void shouldReadAnAnswerWithoutALengthToTheEndAndNotReuseAConnectionTheServerCloses() throws Exception {
        try (Script server = Script.answering((r, out) -> {
                    if (r.connection() == 1) {
                        out.write("HTTP/1.1 200 OK\r\n\r\nuntil the end".getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nclose")
                                .getBytes(StandardCharsets.US_ASCII));
                    }
                    return false;
                });
                Http1Client http = client()) {
            assertThat(http.exchange(post(server, "/", "{}"), TIMEOUT).body()).isEqualTo("until the end");
            assertThat(http.exchange(post(server, "/", "{}"), TIMEOUT).body()).isEqualTo("close");
            assertThat(http.exchange(post(server, "/", "{}"), TIMEOUT).body()).isEqualTo("close");

            assertThat(server.connections()).isEqualTo(3);
        }
    }

    @Test
    void shouldSendAgainOnANewConnectionOnlyWhatIsSafeToSendTwiceWhenTheServerClosedAnIdleOne() throws Exception {
        // Every connection answers once and then closes without saying so, as a server whose idle timeout passed.
        try (Script server = Script.answering((r, out) -> {
                    out.write(ok("{}").getBytes(StandardCharsets.US_ASCII));
                    return false;
                });
                Http1Client http = client()) {
            http.exchange(post(server, "/", "{}"), TIMEOUT);
            assertThat(http.exchange(ProviderHttp.Request.to(server.url("/batches/b1")), TIMEOUT)
                            .statusCode())
                    .isEqualTo(200);
            http.exchange(post(server, "/", "{}").header("Idempotency-Key", "job-1"), TIMEOUT);
            assertThat(server.connections()).isEqualTo(3);
            assertThat(server.received()).hasSize(3);

            assertThatThrownBy(() -> http.exchange(post(server, "/", "{}"), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("closed a kept-alive connection");
            assertThat(server.received()).as("the POST was not sent again").hasSize(3);
        }
    }

    @Test
    void shouldOpenAConnectionPerCallWithoutKeepAlive() throws Exception {
        try (Script server = Script.answering((r, out) -> {
                    out.write(ok("{}").getBytes(StandardCharsets.US_ASCII));
                    return true;
                });
                Http1Client http = new Http1Client(Duration.ofSeconds(5), Duration.ZERO)) {
            http.exchange(post(server, "/", "{}"), TIMEOUT);
            http.exchange(post(server, "/", "{}"), TIMEOUT);

            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void shouldCloseConnectionsLeftIdleAfterABurstOnceTheirKeepAliveHasPassed() throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        try (Script server = Script.answering((r, out) -> {
                    // The first two requests are answered only once both have arrived: two connections.
                    both.countDown();
                    both.await(10, TimeUnit.SECONDS);
                    out.write(ok("{}").getBytes(StandardCharsets.US_ASCII));
                    return true;
                });
                Http1Client http = new Http1Client(Duration.ofSeconds(5), Duration.ofMillis(300))) {
            Thread other = Thread.ofVirtual().start(() -> {
                try {
                    http.exchange(post(server, "/", "{}"), TIMEOUT);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            http.exchange(post(server, "/", "{}"), TIMEOUT);
            other.join();
            assertThat(server.connections()).isEqualTo(2);

            // Calls keep reusing the most recent connection; one of them finds the other expired and closes it.
            await().alias("the connection left idle closed by the client")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        http.exchange(post(server, "/", "{}"), TIMEOUT);
                        return server.closedByClient() == 1;
                    });
            assertThat(server.connections())
                    .as("no connection opened for the later calls")
                    .isEqualTo(2);
        }
    }

    @Test
    void shouldGiveUpAtTheDeadlineEvenOnAServerThatTricklesItsAnswer() throws Exception {
        try (Script silent = Script.silent();
                Script trickling = Script.answering((r, out) -> {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 1000; i++) {
                        out.write('x');
                        out.flush();
                        Thread.sleep(50);
                    }
                    return false;
                });
                Http1Client http = client()) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                assertThatThrownBy(() -> http.exchange(post(silent, "/", "{}"), Duration.ofMillis(300)))
                        .isInstanceOf(HttpTimeoutException.class);
                // Each read gets a byte well within the timeout; only the whole exchange's deadline ends it.
                assertThatThrownBy(() -> http.exchange(post(trickling, "/", "{}"), Duration.ofMillis(500)))
                        .isInstanceOf(HttpTimeoutException.class);
            });
        }
    }

    @Test
    void shouldStopACallWhoseThreadIsInterruptedAndSaySo() throws Exception {
        try (Script silent = Script.silent()) {
            ProviderHttp http = new ProviderHttp("openai", HttpSettings.of(TIMEOUT));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread call = Thread.ofVirtual().start(() -> {
                try {
                    http.post(ProviderHttp.Request.to(silent.url("/")), "{}");
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            assertThat(silent.awaitRequest())
                    .as("the request reached the server")
                    .isTrue();
            call.interrupt();
            call.join(Duration.ofSeconds(5));

            assertThat(call.isAlive()).isFalse();
            assertThat(thrown.get())
                    .isInstanceOfSatisfying(
                            ProviderException.class, e -> assertThat(e.type()).isEqualTo("interrupted"));
            http.close();
        }
    }

    @Test
    void shouldEndCallsInFlightWhenClosedEvenOnAPlatformThread() throws Exception {
        try (Script silent = Script.silent()) {
            Http1Client http = client();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread call = Thread.ofPlatform().start(() -> {
                try {
                    http.exchange(post(silent, "/", "{}"), TIMEOUT);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            assertThat(silent.awaitRequest())
                    .as("the request reached the server")
                    .isTrue();
            http.close();
            call.join(Duration.ofSeconds(5));

            assertThat(call.isAlive())
                    .as("the call ended when its client closed")
                    .isFalse();
            assertThat(thrown.get()).isInstanceOf(IOException.class).isNotInstanceOf(HttpTimeoutException.class);
            assertThatThrownBy(() -> http.exchange(post(silent, "/", "{}"), TIMEOUT))
                    .isInstanceOf(IOException.class)
                    .hasMessage("client closed");
        }
    }

    @Test
    void shouldRefuseAHeaderValueThatWouldAddHeadersOfItsOwn() {
        assertThatThrownBy(() ->
                        ProviderHttp.Request.to("http://127.0.0.1/").header("Authorization", "Bearer k\r\nX-Evil: 1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProviderHttp.Request.to("http://127.0.0.1/").header("X-A: b", "c"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTurnAnAnswerThatIsNotHttpIntoARetryableConnectionError() throws Exception {
        try (Script server = Script.answering((r, out) -> {
                    out.write("SSH-2.0-OpenSSH\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    return false;
                });
                Http1Client http = client()) {
            assertThatThrownBy(() -> http.exchange(post(server, "/", "{}"), TIMEOUT))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("not an HTTP/1.x status line");
            ProviderHttp providerHttp = new ProviderHttp("openai", HttpSettings.of(TIMEOUT));
            assertThatThrownBy(() -> providerHttp.post(ProviderHttp.Request.to(server.url("/")), "{}"))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.type()).isEqualTo("connection_error");
                        assertThat(e.retryable()).isTrue();
                    });
            providerHttp.close();
        }
    }

    @Test
    void shouldSpeakTlsCheckingTheServersNameAgainstItsCertificate(@TempDir Path dir) throws Exception {
        SSLContext localhost = tls(dir, "localhost");
        SSLContext otherName = tls(dir, "other.example");
        Script.Answerer answer = (r, out) -> {
            out.write(ok("{\"tls\":true}").getBytes(StandardCharsets.US_ASCII));
            return true;
        };
        try (Script right = new Script(localhost.getServerSocketFactory(), answer);
                Script wrong = new Script(otherName.getServerSocketFactory(), answer);
                Http1Client trustsLocalhost = new Http1Client(
                        Duration.ofSeconds(5), HttpSettings.DEFAULT_KEEP_ALIVE, localhost.getSocketFactory());
                Http1Client trustsOther = new Http1Client(
                        Duration.ofSeconds(5), HttpSettings.DEFAULT_KEEP_ALIVE, otherName.getSocketFactory())) {
            URI https = URI.create("https://localhost:" + right.port() + "/v1/chat");
            ProviderHttp.Request request = ProviderHttp.Request.to(https).post("{}".getBytes(StandardCharsets.UTF_8));
            assertThat(trustsLocalhost.exchange(request, TIMEOUT).body()).isEqualTo("{\"tls\":true}");
            assertThat(trustsLocalhost.exchange(request, TIMEOUT).body()).isEqualTo("{\"tls\":true}");
            assertThat(right.connections()).isEqualTo(1);
            assertThat(right.received().getFirst().head()).contains("\r\nHost: localhost:" + right.port() + "\r\n");

            // A certificate the client trusts, but issued to another name than the one it called.
            URI misnamed = URI.create("https://localhost:" + wrong.port() + "/v1/chat");
            assertThatThrownBy(() -> trustsOther.exchange(ProviderHttp.Request.to(misnamed), TIMEOUT))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    /** A self-signed certificate for {@code name}, made by the JDK's keytool; trusted by the context it returns. */
    private static SSLContext tls(Path dir, String name) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=" + name,
                        "-ext",
                        "san=dns:" + name,
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        km.init(keys, "changeit".toCharArray());
        TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tm.init(keys);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(km.getKeyManagers(), tm.getTrustManagers(), null);
        return context;
    }

    /** One request as the server read it. */
    record Received(String head, byte[] body, int connection, int onConnection) {}

    /**
     * A server on a real socket of the loopback interface: each connection on a thread of its own,
     * each request answered by the script, which says whether the connection stays open.
     */
    static final class Script implements AutoCloseable {
        interface Answerer {
            boolean answer(Received request, OutputStream out) throws Exception;
        }

        private final ServerSocket server;
        private final Answerer answerer;
        private final AtomicInteger connections = new AtomicInteger();
        private final AtomicInteger closedByClient = new AtomicInteger();
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final BlockingQueue<Received> arrivals = new LinkedBlockingQueue<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private Runnable onClose = () -> {};

        Script(ServerSocketFactory factory, Answerer answerer) throws IOException {
            this.server = factory.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.answerer = answerer;
            Thread.ofPlatform().daemon().start(this::accept);
        }

        static Script answering(Answerer answerer) throws IOException {
            return new Script(ServerSocketFactory.getDefault(), answerer);
        }

        /** A server that reads each request and never answers it, until it is closed. */
        static Script silent() throws IOException {
            CountDownLatch closed = new CountDownLatch(1);
            Script script = answering((r, out) -> {
                closed.await();
                return false;
            });
            script.onClose = closed::countDown;
            return script;
        }

        int port() {
            return server.getLocalPort();
        }

        URI url(String path) {
            return URI.create("http://127.0.0.1:" + port() + path);
        }

        int connections() {
            return connections.get();
        }

        /** Connections whose client closed them between requests. */
        int closedByClient() {
            return closedByClient.get();
        }

        List<Received> received() {
            return received;
        }

        boolean awaitRequest() throws InterruptedException {
            return arrivals.poll(10, TimeUnit.SECONDS) != null;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    open.add(s);
                    int n = connections.incrementAndGet();
                    Thread.ofPlatform().daemon().start(() -> serve(s, n));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s, int connection) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                for (int i = 1; ; i++) {
                    String head = head(in);
                    if (head == null) {
                        closedByClient.incrementAndGet();
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    Received r = new Received(head, in.readNBytes(length), connection, i);
                    received.add(r);
                    arrivals.add(r);
                    boolean keep = answerer.answer(r, out);
                    out.flush();
                    if (!keep) {
                        return;
                    }
                }
            } catch (Exception e) {
                // the client went away, or the test ended
            }
        }

        /** The request line and headers up to the empty line, or null at the end of the connection. */
        private static String head(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            for (int c = in.read(); c >= 0; c = in.read()) {
                b.write(c);
                matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
                if (matched == 4) {
                    return b.toString(StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            onClose.run();
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
