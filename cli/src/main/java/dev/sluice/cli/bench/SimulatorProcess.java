package dev.sluice.cli.bench;

import dev.sluice.cli.chaos.JavaProcess;
import dev.sluice.devstack.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The provider simulator in a JVM of its own ({@code dev.sluice.sim.Main}, what {@code sluice sim}
 * runs), for benchmarks. In the benchmark's JVM its request threads would be virtual threads on the
 * same carrier pool as the worker's, and its garbage on the same heap, so neither CPU nor memory
 * could be told apart; as a process both are read from the OS.
 */
final class SimulatorProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("Provider simulator running at (\\S+)");

    private final Process process;
    private final Path output;
    private final Thread killOnExit;
    private final String baseUrl;

    private SimulatorProcess(Process process, Path output, Thread killOnExit, String baseUrl) {
        this.process = process;
        this.output = output;
        this.killOnExit = killOnExit;
        this.baseUrl = baseUrl;
    }

    /** Starts the simulator with these {@code sluice sim} options and waits until it listens. */
    static SimulatorProcess start(Path dir, List<String> simOptions) {
        try {
            Files.createDirectories(dir);
            Path output = dir.resolve("sim.out");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms128m",
                    "-Xmx512m",
                    "-XX:+UseG1GC",
                    "--enable-native-access=ALL-UNNAMED",
                    "-Dlog4j2.configurationFile=classpath:log4j2-cli.xml",
                    "-Dsluice.log.file=" + dir.resolve("sim.log"),
                    "-cp",
                    KafkaBroker.classpath(),
                    "dev.sluice.sim.Main",
                    "--port",
                    "0"));
            command.addAll(simOptions);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            // A benchmark stopped with Ctrl-C must not leave the simulator behind.
            Thread killOnExit = new Thread(process::destroyForcibly, "sim-process-stop");
            Runtime.getRuntime().addShutdownHook(killOnExit);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                String text = Files.readString(output, StandardCharsets.UTF_8);
                Matcher m = READY.matcher(text);
                if (m.find()) {
                    return new SimulatorProcess(process, output, killOnExit, m.group(1));
                }
                if (!process.isAlive()) {
                    Runtime.getRuntime().removeShutdownHook(killOnExit);
                    throw new IllegalStateException(
                            "The simulator exited with code " + process.exitValue() + ":\n" + text);
                }
                Thread.sleep(50);
            }
            process.destroyForcibly();
            Runtime.getRuntime().removeShutdownHook(killOnExit);
            throw new IllegalStateException("The simulator did not report its address within 60 s; see " + output);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the simulator: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the simulator");
        }
    }

    String baseUrl() {
        return baseUrl;
    }

    long pid() {
        return process.pid();
    }

    Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    @Override
    public void close() {
        JavaProcess.stop(process, killOnExit, Duration.ofSeconds(10));
    }

    @Override
    public String toString() {
        return "simulator pid " + pid() + " at " + baseUrl + " (output in " + output + ")";
    }
}
