package dev.sluice.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command the deploy tests run (Maven, tar, keytool, Node.js), in a directory, with this JVM's
 * environment but its SLUICE_* variables, which a service started by it must not inherit. Its
 * output, stderr included, goes through a file, so a chatty command cannot block on a full pipe.
 */
final class Command {
    record Result(int exit, String output) {}

    private Command() {}

    static Result run(List<String> command, Path dir, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
        Path log = Files.createTempFile("sluice-deploy-test", ".log");
        try {
            Process p = pb.redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " took over " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(log));
        } finally {
            Files.delete(log);
        }
    }
}
