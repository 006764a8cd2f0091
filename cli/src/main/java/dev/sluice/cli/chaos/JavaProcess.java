package dev.sluice.cli.chaos;

import dev.sluice.devstack.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A main class in a JVM of its own, on this JVM's classpath, its output appended to a log file, so
 * that it can be killed with SIGKILL (no shutdown hook, no final commit) and started again with the
 * same arguments, as a crashed and restarted instance would be.
 */
public final class JavaProcess implements AutoCloseable {
    /** C1 only and the serial collector: JVMs that start again and again on a small machine (ADR 0004). */
    public static final List<String> QUICK_START = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String name;
    private final List<String> command;
    private final Path log;
    private Process process;
    private Thread killOnExit;

    JavaProcess(String name, String mainClass, List<String> args, Path log, List<String> jvmFlags, int heapMb) {
        this.name = name;
        this.log = log;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.command = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx" + heapMb + "m"));
        command.addAll(jvmFlags);
        command.addAll(List.of(
                "--enable-native-access=ALL-UNNAMED",
                "-Dlog4j2.configurationFile=classpath:log4j2-cli.xml",
                "-Dsluice.log.file=" + log));
        String avroPackages = System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES");
        if (avroPackages != null) {
            command.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=" + avroPackages);
        }
        try {
            command.addAll(List.of("-cp", KafkaBroker.classpath(), mainClass));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read this JVM's classpath", e);
        }
        command.addAll(args);
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    JavaProcess start() {
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // The services read SLUICE_* variables over their file: a developer's own would point them elsewhere.
            builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name + ": " + e.getMessage(), e);
        }
        // A run stopped with Ctrl-C must not leave its processes behind.
        Process started = process;
        killOnExit = new Thread(started::destroyForcibly, name + "-stop");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        return this;
    }

    /** The running process's id; -1 when it is not running. */
    long pid() {
        return process == null ? -1 : process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() {
        stop(true);
    }

    @Override
    public void close() {
        stop(false);
    }

    private void stop(boolean forcibly) {
        if (process != null) {
            stop(process, killOnExit, forcibly ? Duration.ZERO : Duration.ofSeconds(30));
            process = null;
        }
    }

    /**
     * Stops {@code process}: SIGTERM and up to {@code grace} for it to end, then SIGKILL (at once when
     * {@code grace} is zero); then drops the shutdown hook that would have killed it.
     */
    public static void stop(Process process, Thread killOnExit, Duration grace) {
        try {
            if (!grace.isZero()) {
                process.destroy();
            }
            if (grace.isZero() || !process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook is running or has run.
        }
    }

    @Override
    public String toString() {
        return name + (process == null ? " (stopped)" : " pid " + process.pid()) + ", log " + log;
    }
}
