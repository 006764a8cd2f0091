package dev.sluice.cli;

import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.SimConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice up}: the local stack on fixed ports until Ctrl-C, for users' own applications. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Run the whole stack on this machine until Ctrl-C and print its endpoints.")
final class UpCommand implements Callable<Integer> {
    @Option(names = "--any-ports", description = "Pick free ports instead of the fixed defaults.")
    boolean anyPorts;

    @Option(
            names = "--sim-latency-ms",
            description = "Simulated provider latency (default ${DEFAULT-VALUE}).",
            defaultValue = "100")
    int simLatencyMs;

    @Mixin
    DataDirOption dataDir;

    @Override
    public Integer call() throws Exception {
        SimConfig sim =
                SimConfig.defaults().withLatency(Duration.ofMillis(simLatencyMs), Duration.ofMillis(simLatencyMs / 2));
        LocalStack stack = new LocalStack(new LocalStack.Options(
                dataDir.path(), anyPorts ? LocalStack.Ports.ANY : LocalStack.Ports.FIXED, sim, Map.of(), List.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Topics topics = new Topics(Topics.DEFAULT_PREFIX);
        AtomicReference<DemoKeys> keys = new AtomicReference<>();
        AtomicReference<SluiceSerdes> serdes = new AtomicReference<>();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.err.println("sluice: stopping");
                            revoke(keys.get(), stack, topics, serdes.get());
                            stack.close();
                            stopped.countDown();
                        },
                        "sluice-up-shutdown"));
        stack.start(step -> System.err.println("sluice: " + step));
        serdes.set(new SluiceSerdes(new RestSchemaRegistry(stack.registryUrl())));
        DemoTenants.secret(dataDir.path());
        DemoTenants.forRun("up").registerLasting(stack.bootstrapServers(), topics, serdes.get(), dataDir.path(), null);
        keys.set(
                DemoKeys.issue(stack.bootstrapServers(), topics, serdes.get(), List.of(DemoTenants.MAIN), "sluice up"));
        keys.get().awaitKnown(stack.ingestUrl(), Duration.ofSeconds(30));
        String key = keys.get().forTenant(DemoTenants.MAIN);
        System.out.printf(
                """

                Sluice is up. Ctrl-C stops it; data stays in %s.

                  Kafka bootstrap servers   %s
                  Schema registry           %s
                  Ingest (POST /v1/jobs)    %s
                  Provider simulator        %s   (OpenAI base URL %s/v1)

                Health (liveness), readiness and Prometheus metrics of each service:
                %s

                Produce Avro LlmRequest records (Confluent wire format) to llm.requests, keyed by tenantId,
                or submit over HTTP as tenant "%s" with its API key (valid until this stack stops):

                  curl -s -X POST %s/v1/jobs -H 'Content-Type: application/json' \\
                    -H 'Authorization: Bearer %s' \\
                    -d '{"messages":[{"role":"user","content":"Hello"}]}'

                More keys: ./sluice tenants keys create %s. Results arrive on llm.results (read_committed);
                status on llm.job-status.
                """,
                dataDir.path(),
                stack.bootstrapServers(),
                stack.registryUrl(),
                stack.ingestUrl(),
                stack.simulatorUrl(),
                stack.simulatorUrl(),
                endpoints(stack.services()).stripTrailing(),
                DemoTenants.MAIN,
                stack.ingestUrl(),
                key,
                DemoTenants.MAIN);
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Each service's /health, /ready and /metrics, one line each, as `up` prints them. */
    static String endpoints(List<SluiceService> services) {
        StringBuilder out = new StringBuilder();
        for (SluiceService s : services) {
            String base = "http://127.0.0.1:" + s.opsPort();
            out.append(String.format(
                    java.util.Locale.ROOT, "  %-16s %s/health   %s/ready   %s/metrics%n", s.name(), base, base, base));
        }
        return out.toString();
    }

    /** The key printed at start stops working with the stack, so that none outlives it. */
    private static void revoke(DemoKeys keys, LocalStack stack, Topics topics, SluiceSerdes serdes) {
        if (keys == null) {
            return;
        }
        try {
            keys.revoke(stack.bootstrapServers(), topics, serdes);
        } catch (Exception e) {
            System.err.println("warning: could not revoke the demo tenant's API key: " + e.getMessage());
        }
    }
}
