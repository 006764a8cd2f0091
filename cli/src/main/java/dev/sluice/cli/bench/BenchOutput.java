package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import picocli.CommandLine.Option;

/** The options every benchmark shares: where its broker lives, and figures as JSON. A picocli mixin. */
final class BenchOutput {
    @Option(
            names = "--data-dir",
            description = "Where the broker, state and logs live (default: a new temporary"
                    + " directory, deleted afterwards).")
    Path dataDir;

    @Option(names = "--json", description = "Print the figures as one JSON object on stdout.")
    boolean json;

    /** {@code --data-dir}, or a new temporary directory named after the benchmark. */
    Path directory(String bench) throws IOException {
        return dataDir != null ? dataDir.toAbsolutePath() : Files.createTempDirectory("sluice-bench-" + bench + "-");
    }

    /** Deletes the directory if it was a temporary one. */
    void cleanUp(Path dir) {
        if (dataDir == null) {
            deleteTree(dir);
        }
    }

    /** The report as a table, or as one JSON line with {@code --json}. */
    void print(String table, String json) {
        System.out.print(this.json ? json + System.lineSeparator() : table);
        System.out.flush();
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Best effort: a temporary directory.
                }
            });
        } catch (IOException e) {
            System.err.println("sluice: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
