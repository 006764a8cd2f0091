package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice demo --json} as a user runs it: its own broker, registry, simulator and services. */
class DemoCommandIT {

    @Test
    void shouldRunTheMixedWorkloadAndPrintOneJsonObjectWithEveryOutcomeAsExpected(@TempDir Path dataDir)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main())
                    .execute("demo", "--jobs", "30", "--warmup", "5", "--json", "--data-dir", dataDir.toString());
        } finally {
            System.setOut(original);
        }

        // In tests the services also log JSON lines to stdout; the summary is the one object that starts so.
        String summary = out.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.startsWith("{\"submitted\""))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no summary on stdout"));
        JsonNode json = new ObjectMapper().readTree(summary);
        assertThat(exit).isZero();
        assertThat(json.path("submitted").asInt()).isEqualTo(30);
        assertThat(json.path("results").asInt()).isEqualTo(30);
        assertThat(json.path("unexpected").asInt()).isZero();
        assertThat(json.path("webhooksVerified").asInt()).isEqualTo(30);
        // 30 jobs of the mix (DemoWorkload): 2 duplicates, 2 cache repeats and 1 reworded repeat, 3
        // batch-eligible, 1 blocked injection, 2 for the over-budget tenant (its $0.01 holds one or
        // two LARGE estimates).
        assertThat(json.path("duplicates").asInt()).isEqualTo(2);
        assertThat(json.path("cacheHits").asInt()).isEqualTo(3);
        assertThat(json.path("semanticHits").asInt()).isEqualTo(1);
        assertThat(json.path("byRoute").path("llm.jobs.batch").asInt()).isEqualTo(3);
        assertThat(json.path("byReason").path("INJECTION_SUSPECTED").asInt()).isEqualTo(1);
        assertThat(json.path("byKind").path("OVER_BUDGET").asInt()).isEqualTo(2);
        assertThat(json.path("byStatus").path("SUCCEEDED").asInt()
                        + json.path("byReason").path("BUDGET_EXCEEDED").asInt())
                .isEqualTo(29);
        assertThat(json.path("costMicros").asLong()).isPositive();
        assertThat(json.path("latencyMs").path("p50").asLong()).isPositive();
        assertThat(json.path("jobsPerSecond").asDouble()).isPositive();
        // every job's status read back over HTTP agrees with its result, tenants are kept apart,
        // and one job followed on its SSE stream moved forward state by state to its end
        JsonNode status = json.path("statusApi");
        assertThat(status.path("checked").asInt()).isEqualTo(30);
        assertThat(status.path("agreeing").asInt()).isEqualTo(30);
        assertThat(status.path("isolated").asBoolean()).isTrue();
        List<String> stream = new java.util.ArrayList<>();
        status.path("stream").forEach(s -> stream.add(s.asText()));
        assertThat(stream).last().isEqualTo("SUCCEEDED");
        // RUNNING shows only for a call of a second or more (worker.running.event.after): the demo's take 100 ms.
        assertThat(stream).contains("QUEUED").doesNotHaveDuplicates();
        assertThat(stream.stream().map(dev.sluice.model.JobState::valueOf).toList())
                .isSortedAccordingTo(java.util.Comparator.naturalOrder());
        assertThat(dataDir.resolve("kafka").resolve("cluster.id")).exists();
    }
}
