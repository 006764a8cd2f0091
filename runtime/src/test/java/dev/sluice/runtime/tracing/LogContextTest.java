package dev.sluice.runtime.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.runtime.Tracing;
import dev.sluice.testkit.LogCapture;
import io.opentelemetry.api.trace.SpanKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogContextTest {
    private static final Logger log = LoggerFactory.getLogger(LogContextTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void shouldWriteTheJobsFieldsAtTheTopOfEveryLineAboutIt() throws Exception {
        Telemetry telemetry = Telemetry.off("worker-pool");
        try (LogCapture capture = LogCapture.start()) {
            // given a job worked on its own virtual thread, as the worker does
            Thread job = Thread.ofVirtual().start(() -> {
                try (JobScope scope = telemetry.open(
                        telemetry.start(telemetry.span(
                                "worker job",
                                SpanKind.CONSUMER,
                                Tracing.extract("00-" + TRACE + "-00f067aa0ba902b7-01"))),
                        "req-7",
                        "acme")) {
                    log.info("about the job");
                }
                log.info("after the job");
            });
            job.join();

            // then its line carries the four fields as top-level JSON fields, and the next line none
            List<JsonNode> lines = capture.lines().stream()
                    .map(LogContextTest::parse)
                    .filter(l -> l.path("log.logger").asText().equals(LogContextTest.class.getName()))
                    .toList();
            assertThat(lines).hasSize(2);
            JsonNode about = lines.get(0);
            assertThat(about.path("message").asText()).isEqualTo("about the job");
            assertThat(about.path("service").asText()).isEqualTo("worker-pool");
            assertThat(about.path("requestId").asText()).isEqualTo("req-7");
            assertThat(about.path("tenantId").asText()).isEqualTo("acme");
            assertThat(about.path("traceId").asText()).isEqualTo(TRACE);
            JsonNode after = lines.get(1);
            assertThat(after.has("requestId")).isFalse();
            assertThat(after.has("traceId")).isFalse();
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }
}
