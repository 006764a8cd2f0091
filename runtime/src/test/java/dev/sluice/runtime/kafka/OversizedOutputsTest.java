package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

class OversizedOutputsTest {

    @Test
    void shouldReplaceOnlyARecordRefusedForItselfAndLetEveryOtherRefusalStopTheService() {
        assertThat(OversizedOutputs.refusedForThisRecordOnly(new RecordTooLargeException("x")))
                .isTrue();
        assertThat(OversizedOutputs.refusedForThisRecordOnly(new RecordBatchTooLargeException("x")))
                .isTrue();
        assertThat(OversizedOutputs.refusedForThisRecordOnly(new InvalidRecordException("x")))
                .isTrue();

        assertThat(OversizedOutputs.refusedForThisRecordOnly(new TopicAuthorizationException("x")))
                .as("a missing ACL refuses every record")
                .isFalse();
        assertThat(OversizedOutputs.refusedForThisRecordOnly(new UnsupportedVersionException("x")))
                .isFalse();
        assertThat(OversizedOutputs.refusedForThisRecordOnly(new ProducerFencedException("x")))
                .isFalse();
        assertThat(OversizedOutputs.refusedForThisRecordOnly(new NotLeaderOrFollowerException("x")))
                .as("retriable")
                .isFalse();
    }
}
