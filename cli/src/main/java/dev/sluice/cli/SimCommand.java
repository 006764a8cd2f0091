package dev.sluice.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code sluice sim}: the provider simulator alone, on port 18080 unless told otherwise. Its
 * options are the simulator's own ({@code sluice sim --help} lists them); they are passed through
 * so that there is one parser for them.
 */
@Command(name = "sim", description = "Run the provider simulator alone (OpenAI and Anthropic wire protocols).")
final class SimCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 18080;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (dev.sluice.sim.Main.asksForHelp(args.toArray(String[]::new))) {
            System.out.print(dev.sluice.sim.Main.usage("sluice sim", DEFAULT_PORT));
            return 0;
        }
        List<String> all = new ArrayList<>(List.of("--port", Integer.toString(DEFAULT_PORT)));
        all.addAll(args);
        dev.sluice.sim.Main.main(all.toArray(String[]::new));
        return 0;
    }
}
