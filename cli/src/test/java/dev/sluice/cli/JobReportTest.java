package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Attempt;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Usage;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobReportTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String RESULT_PARENT = "00-" + TRACE + "-00f067aa0ba902b7-01";
    private static final String STATUS_PARENT = "00-" + "1".repeat(32) + "-00f067aa0ba902b7-01";

    private static LlmResult fallback() {
        return LlmResult.forRequest(LlmRequest.of("r-1", "acme", "hi", T))
                .status(ResultStatus.SUCCEEDED)
                .provider("anthropic")
                .model("claude-haiku-4-5")
                .addAttempt(new Attempt("openai", "gpt-4.1-nano", "http_503", 503, 120, T.plusMillis(300)))
                .addAttempt(new Attempt("anthropic", "claude-haiku-4-5", Attempt.OK, 200, 840, T.plusMillis(430)))
                .usage(new Usage(12, 113, 0, 0))
                .costMicros(1_234_567)
                .routedAt(T.plusMillis(250))
                .startedAt(T.plusMillis(300))
                .completedAt(T.plusMillis(1_300))
                .build();
    }

    private static JobReport.Found status(String parent) {
        return new JobReport.Found(JobStatus.of("r-1", "acme", JobState.SUCCEEDED, null, T.plusMillis(1_400)), parent);
    }

    @Test
    void shouldShowTimingsEveryAttemptTheCostAndTheResultsTraceId() {
        JobReport report = new JobReport("r-1", status(STATUS_PARENT), new JobReport.Found(fallback(), RESULT_PARENT));

        String text = report.text();

        assertThat(text)
                .contains("job r-1 of tenant acme")
                .contains("status     SUCCEEDED at 2026-11-22T12:00:01.400Z")
                .contains("created 2026-11-22T12:00:00Z, routed +250 ms, started +50 ms, completed +1000 ms (1300 ms in"
                        + " all)")
                .contains("1. openai gpt-4.1-nano http_503 (HTTP 503) in 120 ms")
                .contains("2. anthropic claude-haiku-4-5 ok (HTTP 200) in 840 ms")
                .contains("$1.234567 (1,234,567 micro-dollars); tokens in 12, out 113, cached 0")
                .contains("trace id   " + TRACE + " (traceparent of its result)");
        assertThat(report.json().get("traceId").asText()).isEqualTo(TRACE);
        assertThat(report.json().at("/result/attempts/0/outcome").asText()).isEqualTo("http_503");
        assertThat(report.json().at("/result/timings/routedAt").asText()).isEqualTo("2026-11-22T12:00:00.250Z");
    }

    @Test
    void shouldTakeTheStatusTraceWhenTheResultHasNoneAndSayWhenNeitherHas() {
        assertThat(new JobReport("r-1", status(STATUS_PARENT), new JobReport.Found(fallback(), null)).traceId())
                .isEqualTo("1".repeat(32));
        JobReport bare = new JobReport("r-1", status(null), new JobReport.Found(fallback(), "not-a-traceparent"));
        assertThat(bare.traceId()).isNull();
        assertThat(bare.text()).contains("(its records carry no traceparent)");
        assertThat(bare.json().get("traceId").isNull()).isTrue();
    }

    @Test
    void shouldShowAJobStillRunningAndARefusalWithItsReason() {
        JobReport running = new JobReport(
                "r-2",
                new JobReport.Found(JobStatus.of("r-2", "acme", JobState.RUNNING, "gpt-4.1-nano", T), null),
                null);
        assertThat(running.text())
                .contains("RUNNING at 2026-11-22T12:00:00Z (gpt-4.1-nano)")
                .contains("none yet");

        LlmResult refused = LlmResult.rejected(
                LlmRequest.of("r-3", "acme", "hi", T), "TENANT_PAUSED", "tenant acme is paused", T.plusMillis(5));
        JobReport report = new JobReport("r-3", null, new JobReport.Found(refused, null));
        assertThat(report.text())
                .contains("(no status: expired, or never written)")
                .contains("REJECTED TENANT_PAUSED: tenant acme is paused")
                .contains("none (no provider was called)");
        assertThat(report.json().at("/result/reason").asText()).isEqualTo("TENANT_PAUSED");
    }
}
