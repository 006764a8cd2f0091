package dev.sluice.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the local stack keeps its broker data, state stores and secrets between runs. */
public final class DataDirOption {
    @Option(names = "--data-dir", description = "Data directory (default: $SLUICE_HOME, else ./.sluice).")
    Path dir;

    public Path path() {
        if (dir != null) {
            return dir.toAbsolutePath();
        }
        String home = System.getenv("SLUICE_HOME");
        return (home == null || home.isBlank() ? Path.of(".sluice") : Path.of(home)).toAbsolutePath();
    }
}
