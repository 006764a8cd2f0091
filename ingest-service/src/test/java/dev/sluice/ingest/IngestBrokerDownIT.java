package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Its own class, so that killing the broker leaves the other tests' broker alone. */
@SluiceKafka
class IngestBrokerDownIT {
    private static final String JOB = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void shouldNotAcceptAJobTheBrokerCannotAcknowledge(KafkaStack kafka) throws Exception {
        try (IngestHarness h = IngestHarness.start(kafka, Map.of("ingest.produce.timeout", "1500ms"))) {
            String key = h.issueKey(h.putTenant("acme"));
            // The topic's first produce can outlast the short timeout on a busy machine (metadata,
            // leader election); the broker is up, so it is accepted once that is done.
            org.awaitility.Awaitility.await()
                    .alias("a job accepted (202) while the broker is up")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> h.post("/v1/jobs", JOB, key).statusCode() == 202);

            kafka.broker().kill();
            HttpResponse<String> down = h.post("/v1/jobs", JOB, key);

            HttpResponse<String> batch = h.post("/v1/jobs:batch", "{\"jobs\":[" + JOB + "," + JOB + "]}", key);

            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.headers().firstValue("Retry-After")).hasValue("5");
            // A send that timed out may have reached the broker before it died: the answer says so.
            assertThat(new ObjectMapper().readTree(down.body()).path("type").asText())
                    .endsWith("/outcome-unknown");
            assertThat(new ObjectMapper().readTree(down.body()).path("detail").asText())
                    .contains("did not acknowledge")
                    .contains("Idempotency-Key")
                    .contains("requestId");
            assertThat(batch.statusCode()).isEqualTo(503);
            assertThat(batch.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(new ObjectMapper().readTree(batch.body()).path("detail").asText())
                    .contains("did not take the batch")
                    .contains("nothing was accepted");
        }
    }
}
