package dev.sluice.cli;

import dev.sluice.testkit.KafkaStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** One run of a `sluice` command against a test's broker, registry and topic prefix, its output captured. */
public record CliRun(int exit, String out, String err) {

    public static CliRun of(KafkaStack kafka, String prefix, Object command, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--registry-url",
                kafka.registryUrl(),
                "--topics-prefix",
                prefix));
        return run(command, all.toArray(String[]::new));
    }

    /** One run of a command with exactly these arguments, errors handled as {@code sluice} handles them. */
    public static CliRun run(Object command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.configured(new CommandLine(command)).execute(args);
            return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }
}
