package dev.sluice.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scripts in deploy/validate, run by Node.js: validate.mjs checks each document of a manifest
 * file against its kind's schema (kubernetes-models and its Strimzi, KEDA and Prometheus Operator
 * packages); validate-compose.mjs a Compose file against the Compose Specification. Their
 * packages, pinned in package-lock.json, are installed with {@code npm ci} the first time.
 */
final class ManifestValidator {
    record Report(int valid, List<String> problems, String output) {}

    private ManifestValidator() {}

    static Report validate(Path manifests) throws IOException, InterruptedException {
        return run("validate.mjs", manifests);
    }

    /** deploy/validate/validate-compose.mjs: a Compose file against the Compose Specification. */
    static Report validateCompose(Path composeFile) throws IOException, InterruptedException {
        return run("validate-compose.mjs", composeFile);
    }

    private static Report run(String script, Path file) throws IOException, InterruptedException {
        Path dir = Chart.deployDir().resolve("validate");
        if (!Files.isDirectory(dir.resolve("node_modules"))) {
            run(dir, List.of("npm", "ci", "--no-audit", "--no-fund"), 600);
        }
        Command.Result r = run(dir, List.of("node", script, file.toString()), 120);
        List<String> lines = r.output().lines().toList();
        String last = lines.isEmpty() ? "" : lines.getLast();
        if (!last.matches("\\d+ valid, \\d+ invalid")) {
            throw new IllegalStateException(script + " did not finish (exit " + r.exit() + "):\n" + r.output());
        }
        List<String> problems = new ArrayList<>(lines.subList(0, lines.size() - 1));
        if ((r.exit() == 0) != problems.isEmpty()) {
            throw new IllegalStateException(script + " exited " + r.exit() + " with:\n" + r.output());
        }
        return new Report(Integer.parseInt(last.substring(0, last.indexOf(' '))), problems, r.output());
    }

    private static Command.Result run(Path dir, List<String> command, int timeoutSeconds)
            throws IOException, InterruptedException {
        Command.Result r;
        try {
            r = Command.run(command, dir, timeoutSeconds);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run " + command.getFirst() + " (" + e.getMessage() + "): the chart"
                            + " tests validate manifests with Node.js 18 or later and npm; install them (.ci/run does)",
                    e);
        }
        if (command.getFirst().equals("npm") && r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed in " + dir + ":\n" + r.output());
        }
        return r;
    }
}
