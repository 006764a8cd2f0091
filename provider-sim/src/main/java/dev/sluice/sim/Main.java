package dev.sluice.sim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the simulator on its own until Ctrl-C. The {@code sluice sim} command offers the same
 * through the CLI module; this entry point needs nothing but this jar and its dependencies.
 */
public final class Main {

    private static final String USAGE = """
            Usage: %s [options]
              --host HOST              bind address (default 127.0.0.1)
              --port PORT              port, 0 = any free port (default %d)
              --latency-ms N           time to first byte: fixed base, or the median for lognormal (default 0)
              --jitter-ms N            extra uniform random latency 0..N (default 0)
              --latency-distribution D fixed or lognormal (default fixed)
              --latency-p99-ms N       99th percentile of a lognormal latency
              --tokens-per-second N    output speed, 0 = instant (default 0)
              --fault STATUS=RATE      answer STATUS with probability RATE; repeatable
              --outage SPEC            scheduled outage, repeatable; SPEC is comma-separated key=value:
                                       startMs, durationMs, status (400..599 or hang; default 503),
                                       everyMs, protocol (openai|anthropic), model, rate (share of
                                       requests answered so, default 1); offsets count from start
                                       e.g. --outage startMs=60000,durationMs=30000,status=529,protocol=anthropic
              --api-key KEY            accept only these keys; repeatable (default: any non-empty key)
              --rpm N / --tpm N        rate limits per minute per API key (default 1000000 / 1000000000)
              --prompt-cache BOOL      report prompt-cache hits in usage (default true)
              --seed N                 seed for fault, latency and batch-line draws (default 42)
              --batch-processing-ms N  time from creating a batch until it ends (default 10000)
              --batch-line-failure-rate P  probability a batch line errors with a retryable 500 (default 0)
              --batch-line-expiry-rate P   probability a batch line expires (default 0)
            """;

    private Main() {}

    /** The options, as {@code program} takes them, its port defaulting to {@code defaultPort}. */
    public static String usage(String program, int defaultPort) {
        return "provider-sim: an OpenAI/Anthropic wire-protocol simulator\n" + USAGE.formatted(program, defaultPort);
    }

    /** Whether the arguments ask for the usage ({@code --help} or {@code -h}). */
    public static boolean asksForHelp(String[] args) {
        return java.util.Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
    }

    public static void main(String[] args) throws InterruptedException {
        if (asksForHelp(args)) {
            System.out.print(usage("provider-sim", 0));
            return;
        }
        SimConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE.formatted("provider-sim", 0));
            System.exit(2);
            return;
        }
        ProviderSimulator simulator = ProviderSimulator.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            simulator.close();
                            stopped.countDown();
                        },
                        "provider-sim-shutdown"));
        System.out.println("Provider simulator running at " + simulator.baseUrl() + "  (OpenAI base URL "
                + simulator.baseUrl() + "/v1; Ctrl-C to stop)");
        stopped.await();
    }

    static SimConfig parse(String[] args) {
        SimConfig config = SimConfig.defaults();
        Map<Integer, Double> faults = new HashMap<>();
        Set<String> keys = new LinkedHashSet<>();
        List<Outage> outages = new ArrayList<>();
        // Applied after every flag is read, so that their order does not matter.
        SimConfig.LatencyDistribution distribution = config.latencyDistribution();
        Duration p99 = config.latencyP99();
        double lineFailureRate = config.batchLineFailureRate();
        double lineExpiryRate = config.batchLineExpiryRate();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new IllegalArgumentException("provider-sim: an OpenAI/Anthropic wire-protocol simulator");
            }
            if (i + 1 >= args.length) {
                errors.add(flag + " needs a value");
                break;
            }
            String value = args[++i];
            try {
                config = switch (flag) {
                    case "--host" -> config.withHost(value);
                    case "--port" -> config.withPort(Integer.parseInt(value));
                    case "--latency-ms" ->
                        config.withLatency(Duration.ofMillis(Long.parseLong(value)), config.latencyJitter());
                    case "--jitter-ms" ->
                        config.withLatency(config.latency(), Duration.ofMillis(Long.parseLong(value)));
                    case "--latency-distribution" -> {
                        distribution = SimConfig.LatencyDistribution.parse(value);
                        yield config;
                    }
                    case "--latency-p99-ms" -> {
                        p99 = Duration.ofMillis(Long.parseLong(value));
                        yield config;
                    }
                    case "--tokens-per-second" -> config.withTokensPerSecond(Double.parseDouble(value));
                    case "--prompt-cache" -> config.withPromptCache(bool(value));
                    case "--outage" -> {
                        Outage outage = outage(value, errors);
                        if (outage != null) {
                            outages.add(outage);
                        }
                        yield config;
                    }
                    case "--rpm" -> config.withRateLimits(Long.parseLong(value), config.tokensPerMinute());
                    case "--tpm" -> config.withRateLimits(config.requestsPerMinute(), Long.parseLong(value));
                    case "--seed" -> config.withSeed(Long.parseLong(value));
                    case "--batch-processing-ms" ->
                        config.withBatchProcessingTime(Duration.ofMillis(Long.parseLong(value)));
                    case "--batch-line-failure-rate" -> {
                        lineFailureRate = Double.parseDouble(value);
                        yield config;
                    }
                    case "--batch-line-expiry-rate" -> {
                        lineExpiryRate = Double.parseDouble(value);
                        yield config;
                    }
                    case "--fault" -> {
                        String[] pair = value.split("=", 2);
                        if (pair.length != 2) {
                            throw new IllegalArgumentException("--fault expects STATUS=RATE, got " + value);
                        }
                        faults.put(Integer.parseInt(pair[0].trim()), Double.parseDouble(pair[1].trim()));
                        yield config;
                    }
                    case "--api-key" -> {
                        keys.add(value);
                        yield config;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                };
            } catch (NumberFormatException e) {
                errors.add(flag + " expects a number, got '" + value + "'");
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        if (errors.isEmpty()) {
            try {
                config = config.withFaultRates(faults)
                        .withApiKeys(keys)
                        .withOutages(outages)
                        .withLatencyP99(p99)
                        .withLatencyDistribution(distribution)
                        .withBatchLineRates(lineFailureRate, lineExpiryRate);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        return config;
    }

    /** {@code startMs=5000,durationMs=30000,status=hang}: the JSON keys of {@code POST /sim/config}, one parser for both. */
    private static Outage outage(String spec, List<String> errors) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (String pair : spec.split(",")) {
            String[] kv = pair.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                errors.add("--outage expects key=value pairs separated by commas, got '" + pair + "'");
                return null;
            }
            String key = kv[0].trim();
            String value = kv[1].trim();
            if (value.matches("-?\\d+")) {
                node.put(key, Long.parseLong(value));
            } else if (value.matches("-?\\d*\\.\\d+")) {
                node.put(key, Double.parseDouble(value));
            } else {
                node.put(key, value);
            }
        }
        return ConfigJson.outage(node, "--outage", errors);
    }

    private static boolean bool(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("--prompt-cache expects true or false, got '" + value + "'");
        };
    }
}
