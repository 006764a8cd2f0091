package dev.sluice.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import dev.sluice.runtime.config.Secret;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSenderTest {

    private static String newSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static Map<String, List<String>> headers(String id, long ts, String signature) {
        return Map.of(
                "webhook-id",
                List.of(id),
                "webhook-timestamp",
                List.of(Long.toString(ts)),
                "webhook-signature",
                List.of(signature));
    }

    @Test
    void shouldProduceASignatureTheStandardWebhooksLibraryVerifies() throws Exception {
        String secret = newSecret();
        long now = Instant.now().getEpochSecond();
        String body = "{\"type\":\"llm.result.succeeded\",\"data\":{\"requestId\":\"r-1\",\"output\":\"héllo\"}}";

        String signature = WebhookSender.sign("r-1", now, body, WebhookSender.signers(List.of(Secret.of(secret))));

        assertThat(signature).startsWith("v1,");
        new Webhook(secret).verify(body, headers("r-1", now, signature));
    }

    @Test
    void shouldSignOncePerSecretSoEitherRotatingSecretVerifies() throws Exception {
        String oldSecret = newSecret();
        String newSecret = newSecret();
        long now = Instant.now().getEpochSecond();
        String body = "{}";

        String signature = WebhookSender.sign(
                "r-2", now, body, WebhookSender.signers(List.of(Secret.of(oldSecret), Secret.of(newSecret))));

        assertThat(signature.split(" ")).hasSize(2);
        new Webhook(oldSecret).verify(body, headers("r-2", now, signature));
        new Webhook(newSecret).verify(body, headers("r-2", now, signature));
    }

    @Test
    void shouldNotVerifyWhenTheBodyWasChanged() throws Exception {
        String secret = newSecret();
        long now = Instant.now().getEpochSecond();
        String signature = WebhookSender.sign(
                "r-3", now, "{\"costMicros\":10}", WebhookSender.signers(List.of(Secret.of(secret))));

        assertThatThrownBy(() -> new Webhook(secret).verify("{\"costMicros\":99}", headers("r-3", now, signature)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void shouldRefuseASecretThatIsNotAStandardWebhooksSecret() {
        assertThatThrownBy(() -> WebhookSender.signers(List.of(Secret.of("whsec_%%%not-base64"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whsec_")
                .hasMessageNotContaining("%%%not-base64");
    }
}
