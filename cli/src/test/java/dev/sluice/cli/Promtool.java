package dev.sluice.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own linter, {@code promtool check metrics}, run on a scrape. It is not a Java
 * library: the test needs the binary, and says how to install it rather than skip without it.
 */
final class Promtool {
    static final String INSTALL = "promtool is not installed; it comes with Debian's prometheus package:"
            + " apt-get install -y prometheus (see .ci/run, which also keeps its server from running),"
            + " or set PROMTOOL to the binary";

    private Promtool() {}

    /** The binary: $PROMTOOL, else promtool on the PATH; fails with how to install it when there is none. */
    static Path binary() {
        String explicit = System.getenv("PROMTOOL");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new AssertionError("PROMTOOL=" + explicit + " is not an executable file. " + INSTALL);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "promtool");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError(INSTALL);
    }

    /** What promtool printed and how it exited. */
    record Run(int exitCode, String output) {}

    /** Runs promtool with these arguments in {@code dir}, e.g. {@code test rules sluice-alerts.test.yml}. */
    static Run run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), out);
    }

    /**
     * What {@code promtool check metrics} says about a scrape: every problem it reports, one per
     * line; empty when the scrape is clean.
     */
    static List<String> problems(String scrape) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary().toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        // The scrape is written from another thread, so a large one cannot block on a full output pipe.
        Thread writer = Thread.ofVirtual().start(() -> {
            try (var in = p.getOutputStream()) {
                in.write(scrape.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool check metrics did not finish in 60 s");
        }
        writer.join();
        List<String> problems =
                new ArrayList<>(out.lines().filter(l -> !l.isBlank()).toList());
        if (p.exitValue() != 0 && problems.isEmpty()) {
            problems.add("promtool exited with " + p.exitValue() + " and said nothing");
        }
        return problems;
    }
}
