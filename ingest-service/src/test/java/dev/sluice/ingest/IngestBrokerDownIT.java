package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Its own class, so that killing the broker leaves the other tests' broker alone. */
@SluiceKafka
class IngestBrokerDownIT {

    @Test
    void shouldNotAcceptAJobTheBrokerCannotAcknowledge(KafkaStack kafka) throws Exception {
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(kafka.newPrefix()));
        values.put("ingest.port", "0");
        values.put("ingest.produce.timeout", "1500ms");
        Settings settings = new Settings(ConfigSource.of(values));
        IngestConfig config = IngestConfig.read(settings);
        settings.validate();
        try (IngestService ingest = new IngestService(config)) {
            ingest.start();
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.port() + "/v1/jobs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"tenantId\":\"acme\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
            // The topic's first produce can outlast the short timeout on a busy machine (metadata,
            // leader election); the broker is up, so it is accepted once that is done.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> HttpClient
                    .newHttpClient().send(post, HttpResponse.BodyHandlers.ofString()).statusCode() == 202);

            kafka.broker().kill();
            HttpResponse<String> down = HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString());

            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(new ObjectMapper().readTree(down.body()).path("detail").asText())
                    .contains("did not acknowledge").contains("nothing was accepted");
        }
    }
}
