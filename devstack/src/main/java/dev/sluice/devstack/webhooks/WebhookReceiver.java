package dev.sluice.devstack.webhooks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP endpoint that receives webhooks the way a tenant's service would: it checks each
 * signature with the Standard Webhooks library (never with Sluice's own signing code), answers
 * 204 when it verifies and 401 when it does not, and keeps what it received for the demo's
 * summary and for tests. A test can script answers (fail the first tries, answer 410, ...).
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One delivery as received, and when. */
    public record Received(
            String webhookId,
            String timestamp,
            String signature,
            String body,
            boolean verified,
            int answeredStatus,
            Map<String, String> headers,
            Instant at) {}

    /** What a scripted receiver answers: a status and headers (such as Retry-After). */
    public record Answer(int status, Map<String, String> headers) {
        public static Answer of(int status) {
            return new Answer(status, Map.of());
        }
    }

    private final Javalin app;
    private final Webhook verifier;
    private final Queue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger verified = new AtomicInteger();
    private final String path;
    private volatile Function<Received, Answer> script = r -> Answer.of(204);

    private WebhookReceiver(String secret, String host, int port, String path) {
        try {
            this.verifier = new Webhook(secret);
        } catch (com.standardwebhooks.exceptions.EmptyWebhookSecretException e) {
            throw new IllegalArgumentException("empty webhook secret", e);
        }
        this.path = path;
        this.app = Javalin.create(cfg -> {
                    cfg.concurrency.useVirtualThreads = true;
                    cfg.startup.showJavalinBanner = false;
                    cfg.routes.post(path, this::receive);
                })
                .start(host, port);
    }

    /** Starts a receiver on {@code host:port} (0 = a free port) that verifies with {@code secret} ("whsec_..."). */
    public static WebhookReceiver start(String secret, String host, int port) {
        return new WebhookReceiver(secret, host, port, "/webhooks");
    }

    public String url() {
        return "http://127.0.0.1:" + app.port() + path;
    }

    /** Decides the status to answer for each verified delivery (default 204); unverified ones always get 401. */
    public void answerWith(Function<Received, Integer> script) {
        this.script = r -> Answer.of(script.apply(r));
    }

    /**
     * Decides the whole answer for each verified delivery. The script runs on the request's
     * thread, so one that sleeps past the sender's timeout plays an endpoint that never answers.
     */
    public void answer(Function<Received, Answer> script) {
        this.script = script;
    }

    private void receive(Context ctx) {
        String body = ctx.body();
        Map<String, List<String>> headers = new HashMap<>();
        Map<String, String> flat = new HashMap<>();
        ctx.headerMap().forEach((k, v) -> {
            headers.put(k.toLowerCase(java.util.Locale.ROOT), List.of(v));
            flat.put(k.toLowerCase(java.util.Locale.ROOT), v);
        });
        boolean ok;
        try {
            verifier.verify(body, headers);
            ok = true;
        } catch (WebhookVerificationException e) {
            ok = false;
        }
        Received r = new Received(
                flat.get("webhook-id"),
                flat.get("webhook-timestamp"),
                flat.get("webhook-signature"),
                body,
                ok,
                0,
                Map.copyOf(flat),
                Instant.now());
        Answer answer = ok ? script.apply(r) : Answer.of(401);
        int status = answer.status();
        received.add(new Received(r.webhookId(), r.timestamp(), r.signature(), body, ok, status, r.headers(), r.at()));
        if (ok && status / 100 == 2) {
            verified.incrementAndGet();
        }
        answer.headers().forEach(ctx::header);
        ctx.status(status);
    }

    /** Every delivery received so far, in arrival order, including failed and unverified ones. */
    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Deliveries that verified and were answered with a 2xx. */
    public int verifiedAndAccepted() {
        return verified.get();
    }

    /** Distinct webhook ids that verified and were accepted. */
    public long distinctAccepted() {
        return received.stream()
                .filter(r -> r.verified() && r.answeredStatus() / 100 == 2)
                .map(Received::webhookId)
                .distinct()
                .count();
    }

    @Override
    public void close() {
        app.stop();
    }
}
