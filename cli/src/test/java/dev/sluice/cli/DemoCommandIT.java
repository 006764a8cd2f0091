package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice demo --json} as a user runs it: its own broker, registry, simulator and services. */
class DemoCommandIT {

    @Test
    void shouldRunTheWholeDemoAndPrintOneJsonObjectWithEveryJobSucceeded(@TempDir Path dataDir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("demo", "--jobs", "30", "--warmup", "5", "--json",
                    "--data-dir", dataDir.toString());
        } finally {
            System.setOut(original);
        }

        // In tests the services also log JSON lines to stdout; the summary is the one object that starts so.
        String summary = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{\"submitted\""))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no summary on stdout"));
        JsonNode json = new ObjectMapper().readTree(summary);
        assertThat(exit).isZero();
        assertThat(json.path("submitted").asInt()).isEqualTo(30);
        assertThat(json.path("results").asInt()).isEqualTo(30);
        assertThat(json.path("byStatus").path("SUCCEEDED").asInt()).isEqualTo(30);
        assertThat(json.path("webhooksVerified").asInt()).isEqualTo(30);
        assertThat(json.path("costMicros").asLong()).isPositive();
        assertThat(json.path("latencyMs").path("p50").asLong()).isPositive();
        assertThat(json.path("jobsPerSecond").asDouble()).isPositive();
        assertThat(dataDir.resolve("kafka").resolve("cluster.id")).exists();
    }
}
