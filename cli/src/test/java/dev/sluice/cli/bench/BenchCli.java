package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs a {@code sluice bench} command with {@code --json} as the CLI would, and reads its figures. */
final class BenchCli {
    private BenchCli() {}

    /** The command's figures: the last JSON object it printed on stdout; fails unless it exited 0. */
    static JsonNode run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(original);
        }
        assertThat(exit).as("exit code").isZero();
        // In-process services log JSON lines to stdout too, after the figures when they stop. They reach
        // this stream when the logging starts inside it: when this is the JVM's first test to log.
        String line = out.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.startsWith("{") && !l.contains("\"@timestamp\""))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no figures on stdout"));
        return new ObjectMapper().readTree(line);
    }
}
