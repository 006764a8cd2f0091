package dev.sluice.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice bench}: benchmarks that print figures; docs/benchmarks.md records the latest. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print figures (see docs/benchmarks.md).",
        subcommands = {
            RouterBenchCommand.class,
            WorkerBenchCommand.class,
            CostBenchCommand.class,
            PipelineBenchCommand.class
        })
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
