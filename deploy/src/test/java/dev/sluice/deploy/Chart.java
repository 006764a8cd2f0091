package dev.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Helm chart in deploy/helm/sluice, rendered by Helm itself (helm-java: Helm's own Go code,
 * no binary to fetch), and what it renders, parsed.
 */
final class Chart {
    static final ObjectMapper YAML = new YAMLMapper();
    static final String RELEASE = "sluice";
    /** The Kubernetes version rendered for: the oldest the chart supports (Chart.yaml, kubeVersion). */
    static final String KUBE_VERSION = "v1.27.0";

    private Chart() {}

    /** deploy/helm: the first directory up from here that has helm/sluice/Chart.yaml under it. */
    static Path helmDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            for (Path candidate : List.of(dir.resolve("helm"), dir.resolve("deploy/helm"))) {
                if (Files.isRegularFile(candidate.resolve("sluice/Chart.yaml"))) {
                    return candidate;
                }
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(
                "no deploy/helm/sluice/Chart.yaml above " + Path.of("").toAbsolutePath());
    }

    /** deploy/: the chart, the compose file, the validation scripts. */
    static Path deployDir() {
        return helmDir().getParent();
    }

    static Path chartDir() {
        return helmDir().resolve("sluice");
    }

    /** The chart rendered with these values files (in order) and then these values (a values file written for them). */
    static String render(List<Path> valuesFiles, String extraValuesYaml) {
        TemplateCommand template = new Helm(chartDir())
                .template()
                .withName(RELEASE)
                .withNamespace("sluice")
                .withKubeVersion(KUBE_VERSION);
        valuesFiles.forEach(template::withValuesFile);
        if (extraValuesYaml != null) {
            try {
                Path extra = Files.createTempFile("sluice-values", ".yaml");
                Files.writeString(extra, extraValuesYaml);
                template.withValuesFile(extra);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return template.call();
    }

    /** Every document of a rendered chart, empty ones left out. */
    static List<JsonNode> documents(String rendered) {
        try (var parser = new YAMLFactory().createParser(rendered)) {
            List<JsonNode> out = new ArrayList<>();
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    out.add(doc);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The settings of the one sluice.yaml every service reads, from the rendered ConfigMap. */
    static Map<String, String> config(List<JsonNode> docs) {
        try {
            JsonNode file = YAML.readTree(named(docs, "ConfigMap", "sluice-config")
                    .at("/data/sluice.yaml")
                    .asText());
            Map<String, String> out = new java.util.HashMap<>();
            file.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText()));
    }

    static JsonNode named(List<JsonNode> docs, String kind, String name) {
        return ofKind(docs, kind)
                .filter(d -> name.equals(d.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendered chart"));
    }

    /** The containers of every workload (Deployment, StatefulSet), with their pod's volumes at hand. */
    static Stream<Map.Entry<JsonNode, JsonNode>> containers(List<JsonNode> docs) {
        return docs.stream()
                .filter(d -> List.of("Deployment", "StatefulSet")
                        .contains(d.path("kind").asText()))
                .flatMap(d -> {
                    List<Map.Entry<JsonNode, JsonNode>> out = new ArrayList<>();
                    d.path("spec")
                            .path("template")
                            .path("spec")
                            .path("containers")
                            .forEach(c -> out.add(Map.entry(d, c)));
                    return out.stream();
                });
    }
}
