package dev.sluice.cli;

import dev.sluice.cli.bench.BenchCommand;
import dev.sluice.cli.chaos.ChaosCommand;
import dev.sluice.cli.dlq.DlqCommand;
import dev.sluice.cli.eval.EvalCommand;
import dev.sluice.cli.experiments.ExperimentsCommand;
import dev.sluice.cli.tenants.TenantsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command. */
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        version = "sluice 0.1.0",
        description = "A Kafka-native pipeline for asynchronous LLM jobs.",
        footer = {
            "",
            "The ./sluice script also takes:",
            "  test         Every unit and integration test (mvn verify); needs Maven.",
            "  build        Build without running anything.",
            "`./sluice help COMMAND` or `./sluice COMMAND --help` shows a command's options."
        },
        subcommands = {
            CommandLine.HelpCommand.class,
            DemoCommand.class,
            UpCommand.class,
            SimCommand.class,
            TenantsCommand.class,
            BatchesCommand.class,
            DlqCommand.class,
            LagCommand.class,
            JobsCommand.class,
            EvalCommand.class,
            ExperimentsCommand.class,
            BenchCommand.class,
            ChaosCommand.class
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(configured(new CommandLine(new Main())).execute(args));
    }

    /** A command line as {@code sluice} runs it: an error ends the command with one line on stderr and exit 2. */
    public static CommandLine configured(CommandLine cli) {
        return cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("sluice: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
