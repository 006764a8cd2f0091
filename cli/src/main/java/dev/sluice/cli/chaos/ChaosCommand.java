package dev.sluice.cli.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.DurationConverter;
import dev.sluice.runtime.config.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice chaos}: kill -9 each part of the pipeline under load, and check every accepted job's result. */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the broker, registry, simulator and the four services as separate processes under a"
                    + " steady load, kills each part with SIGKILL and restarts it at once, in turn, then checks that"
                    + " every accepted job has exactly one result. Exit code 1 if one does not."
        })
public final class ChaosCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--rate", description = "Jobs per second (default ${DEFAULT-VALUE}).", defaultValue = "30")
    int rate;

    @Option(
            names = "--steady",
            description = "Steady load before the first kill and after each recovery, e.g. 15s"
                    + " (default ${DEFAULT-VALUE}).",
            defaultValue = "15s",
            converter = DurationConverter.class)
    Duration steady;

    @Option(
            names = "--kill",
            split = ",",
            description =
                    "Parts to kill, in order: router, worker, sink, ingest," + " broker (default ${DEFAULT-VALUE}).",
            defaultValue = "router,worker,sink,ingest,broker")
    List<String> kill;

    @Option(
            names = "--http-percent",
            description = "Share of jobs sent over HTTP; the rest are produced to"
                    + " llm.requests (default ${DEFAULT-VALUE}).",
            defaultValue = "50")
    int httpPercent;

    @Option(
            names = "--sim-latency-ms",
            description = "Simulated provider latency (default ${DEFAULT-VALUE}).",
            defaultValue = "200")
    int simLatencyMs;

    @Option(
            names = "--dynamic-membership",
            description = "Run the services as dynamic group members"
                    + " (kafka.group.instance.id=none), to compare with the default static membership.")
    boolean dynamicMembership;

    @Option(
            names = "--config",
            description = "A service configuration file (YAML or properties) whose settings go"
                    + " over the stack's own, e.g. client settings under kafka.client.")
    Path config;

    @Option(
            names = "--recovery-timeout",
            description = "Longest wait for results after a restart" + " (default ${DEFAULT-VALUE}).",
            defaultValue = "120s",
            converter = DurationConverter.class)
    Duration recoveryTimeout;

    @Option(names = "--json", description = "Print the report as one JSON object on stdout.")
    boolean json;

    @Option(
            names = "--data-dir",
            description = "Scratch directory, emptied at the start of each run"
                    + " (default: $SLUICE_HOME/chaos, else ./.sluice/chaos).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        List<Target> targets = new ArrayList<>();
        kill.forEach(k -> targets.add(Target.parse(k)));
        Map<String, String> overrides = new HashMap<>();
        if (config != null) {
            overrides.putAll(ConfigSource.load(config).withPrefix(""));
            // The run kills the broker and services it started: where they are is its own to say.
            List.of("kafka.bootstrap.servers", "schema.registry.url", "ops.port", "ingest.port", "ingest.host")
                    .forEach(overrides::remove);
        }
        if (dynamicMembership) {
            overrides.put("kafka.group.instance.id", "none");
        }
        ChaosReport report = ChaosRun.run(
                new ChaosRun.Options(
                        dir(),
                        rate,
                        steady,
                        targets,
                        httpPercent,
                        simLatencyMs,
                        overrides,
                        recoveryTimeout,
                        Duration.ofSeconds(180)),
                line -> System.err.println("sluice chaos: " + line));
        if (json) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.json()));
        } else {
            System.out.print(report.table());
        }
        return report.exactlyOnce() ? 0 : 1;
    }

    private Path dir() {
        if (dataDir != null) {
            return dataDir.toAbsolutePath();
        }
        String home = System.getenv("SLUICE_HOME");
        return (home == null || home.isBlank() ? Path.of(".sluice") : Path.of(home))
                .resolve("chaos")
                .toAbsolutePath();
    }
}
