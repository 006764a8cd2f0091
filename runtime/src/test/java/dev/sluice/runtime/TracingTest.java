package dev.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TracingTest {

    @Test
    void shouldStartAValidW3cTraceparent() {
        String tp = Tracing.newTraceparent();
        assertThat(Tracing.isValid(tp)).isTrue();
        assertThat(tp).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(Tracing.traceId(tp)).hasSize(32);
    }

    @Test
    void shouldContinueAValidTraceAndReplaceAMalformedOne() {
        String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertThat(Tracing.continueOrStart(incoming)).isEqualTo(incoming);
        assertThat(Tracing.continueOrStart("garbage"))
                .isNotEqualTo("garbage")
                .satisfies(t -> assertThat(Tracing.isValid(t)).isTrue());
        assertThat(Tracing.isValid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
                .isFalse();
    }

    @Test
    void shouldCarryTheTraceparentInKafkaHeaders() {
        RecordHeaders headers = new RecordHeaders();
        Tracing.put(headers, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        Tracing.put(headers, "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01");
        assertThat(Tracing.from(headers)).endsWith("1111111111111111-01");
        assertThat(headers.headers(Tracing.TRACEPARENT)).hasSize(1);
    }
}
