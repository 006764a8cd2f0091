package dev.sluice.ingest.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatusViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldShowEveryFieldWithAnIsoTimeAndSayWhetherTheJobIsOver() throws Exception {
        JobStatus done = new JobStatus(
                "req-1",
                "acme",
                JobState.SUCCEEDED,
                "gpt-4.1-mini",
                "batch-7",
                Instant.parse("2026-11-22T10:15:30.250Z"));

        assertThat(JSON.writeValueAsString(StatusView.of(done))).isEqualTo("""
                {"requestId":"req-1","tenantId":"acme","state":"SUCCEEDED","detail":"gpt-4.1-mini",\
                "batchId":"batch-7","updatedAt":"2026-11-22T10:15:30.250Z","terminal":true}""");
    }

    @Test
    void shouldKeepUnsetFieldsAsNullAndARunningJobNotTerminal() throws Exception {
        JobStatus running =
                JobStatus.of("req-2", "acme", JobState.RUNNING, null, Instant.parse("2026-11-22T10:00:00Z"));

        assertThat(JSON.writeValueAsString(StatusView.of(running))).isEqualTo("""
                {"requestId":"req-2","tenantId":"acme","state":"RUNNING","detail":null,"batchId":null,\
                "updatedAt":"2026-11-22T10:00:00Z","terminal":false}""");
    }
}
