package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The container images, as `mvn ... package jib:buildTar` makes them (ADR 0024). This machine
 * cannot pull the real base (eclipse-temurin:21-jre from Docker Hub), so the images are built on
 * a stand-in saved as a tar: one small layer, which is all the base gives Jib. Everything Jib adds
 * is checked: the user, the entrypoint with its JVM flags and main class, the ports, the labels,
 * and the application's layers, which are unpacked and run with this JVM as the base's would run
 * them, to the point where each service refuses to start without its configuration.
 */
class ImagesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODULES =
            List.of("router-stream", "worker-pool", "result-sink", "ingest-service", "provider-sim");

    @TempDir
    static Path work;

    @BeforeAll
    static void buildEveryImageOnAStandInBase() throws Exception {
        Path base = standInBase(work.resolve("base"));
        Path root = Chart.deployDir().getParent();
        List<String> mvn = new ArrayList<>(List.of(
                "mvn",
                "-B",
                "-q",
                "-f",
                root.resolve("pom.xml").toString(),
                "-pl",
                String.join(",", MODULES),
                "-am",
                "package",
                "jib:buildTar",
                "-DskipTests",
                "-Dimage.base=tar://" + base,
                "-Djib.from.platforms=linux/amd64"));
        Command.Result build = Command.run(mvn, root, 900);
        assertThat(build.exit()).as(build.output()).isZero();
    }

    @ParameterizedTest
    @CsvSource({
        "router-stream, dev.sluice.router.RouterMain, 9401",
        "worker-pool, dev.sluice.worker.WorkerMain, 9402",
        "result-sink, dev.sluice.sink.SinkMain, 9403",
        "ingest-service, dev.sluice.ingest.IngestMain, 8088",
        "provider-sim, dev.sluice.sim.Main, 8090"
    })
    void shouldBuildAnImageThatRunsItsServiceAsNonRootWithNativeAccess(String module, String mainClass, int port)
            throws Exception {
        Path tar = Chart.deployDir().getParent().resolve(module).resolve("target/jib-image.tar");
        Path image = work.resolve(module);
        Files.createDirectories(image);
        assertThat(Command.run(List.of("tar", "-xf", tar.toString(), "-C", image.toString()), image, 120)
                        .exit())
                .isZero();

        JsonNode manifest = blob(
                image,
                JSON.readTree(image.resolve("index.json").toFile())
                        .at("/manifests/0/digest")
                        .asText());
        JsonNode config = blob(image, manifest.at("/config/digest").asText());
        JsonNode container = config.path("config");
        assertThat(container.path("User").asText()).isEqualTo("65532:65532");
        List<String> entrypoint = strings(container.path("Entrypoint"));
        assertThat(entrypoint)
                .startsWith("java")
                .contains("--enable-native-access=ALL-UNNAMED", "-cp", "@/app/jib-classpath-file")
                .endsWith(mainClass);
        assertThat(container.path("ExposedPorts").has(port + "/tcp")).isTrue();
        assertThat(container.at("/Labels/org.opencontainers.image.title").asText())
                .isEqualTo("sluice-" + module);

        // The application's layers, as the container would see them under /.
        Path rootfs = image.resolve("rootfs");
        Files.createDirectories(rootfs);
        for (JsonNode layer : manifest.path("layers")) {
            Path blob = blobPath(image, layer.path("digest").asText());
            assertThat(Command.run(List.of("tar", "-xzf", blob.toString(), "-C", rootfs.toString()), image, 300)
                            .exit())
                    .isZero();
        }
        assertThat(rootfs.resolve("etc/os-release"))
                .as("the base's own layer comes first")
                .exists();
        List<String> classpath = List.of(Files.readString(rootfs.resolve("app/jib-classpath-file"))
                .strip()
                .split(":"));
        assertThat(classpath)
                .as("the module's classes, then its dependencies")
                .startsWith("/app/resources", "/app/classes")
                .anyMatch(p -> p.startsWith("/app/libs/") && p.endsWith(".jar"));
        if (!module.equals("provider-sim")) {
            assertThat(classpath).anyMatch(p -> p.matches("/app/libs/sluice-runtime-.*\\.jar"));
        }
        for (String entry : classpath) {
            assertThat(rootfs.resolve(entry.substring(1))).as(entry).exists();
        }
        assertThat(rootfs.resolve("app/jib-main-class-file")).hasContent(mainClass);

        // Run it as the image would, with this JVM in place of the base's: it starts, finds no
        // configuration (or, the simulator, a flag it does not know), and says so.
        String hostClasspath = classpath.stream()
                .map(p -> rootfs.resolve(p.substring(1)).toString())
                .collect(Collectors.joining(":"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                hostClasspath,
                mainClass));
        if (module.equals("provider-sim")) {
            command.add("--no-such-flag");
        }
        Command.Result started = Command.run(command, rootfs, 60);
        assertThat(started.exit()).as(started.output()).isEqualTo(2);
        assertThat(started.output())
                .contains(module.equals("provider-sim") ? "--no-such-flag" : "kafka.bootstrap.servers")
                .doesNotContain("ClassNotFoundException", "NoClassDefFoundError");
    }

    /**
     * A base image saved as `docker save` does: one layer holding /etc/os-release, and a config
     * that sets JAVA_HOME, as eclipse-temurin's does.
     */
    private static Path standInBase(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("root/etc"));
        Files.writeString(dir.resolve("root/etc/os-release"), "NAME=\"sluice stand-in base\"\n");
        assertThat(Command.run(
                                List.of(
                                        "tar",
                                        "-cf",
                                        dir.resolve("layer.tar").toString(),
                                        "-C",
                                        dir.resolve("root").toString(),
                                        "etc"),
                                dir,
                                30)
                        .exit())
                .isZero();
        String diffId = "sha256:" + sha256(Files.readAllBytes(dir.resolve("layer.tar")));
        String config = JSON.writeValueAsString(Map.of(
                "architecture",
                "amd64",
                "os",
                "linux",
                "config",
                Map.of("Env", List.of("PATH=/opt/java/openjdk/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java/openjdk")),
                "rootfs",
                Map.of("type", "layers", "diff_ids", List.of(diffId))));
        String configName = sha256(config.getBytes(StandardCharsets.UTF_8)) + ".json";
        Files.writeString(dir.resolve(configName), config);
        Files.writeString(
                dir.resolve("manifest.json"),
                JSON.writeValueAsString(List.of(Map.of(
                        "Config",
                        configName,
                        "RepoTags",
                        List.of("sluice-test/stand-in-base:1"),
                        "Layers",
                        List.of("layer.tar")))));
        Path tar = dir.resolve("base.tar");
        assertThat(Command.run(
                                List.of(
                                        "tar",
                                        "-cf",
                                        tar.toString(),
                                        "-C",
                                        dir.toString(),
                                        "manifest.json",
                                        configName,
                                        "layer.tar"),
                                dir,
                                30)
                        .exit())
                .isZero();
        return tar;
    }

    private static JsonNode blob(Path image, String digest) throws IOException {
        return JSON.readTree(blobPath(image, digest).toFile());
    }

    private static Path blobPath(Path image, String digest) {
        return image.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
