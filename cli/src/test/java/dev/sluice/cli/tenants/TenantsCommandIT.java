package dev.sluice.cli.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@SluiceKafka
class TenantsCommandIT {

    private record Run(int exit, String out, String err) {
    }

    private static Run sluice(KafkaStack kafka, String prefix, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--registry-url", kafka.registryUrl(),
                "--topics-prefix", prefix));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new TenantsCommand()).execute(all.toArray(String[]::new));
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    @Test
    void shouldPutListShowAndDeleteTenants(KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        Settings settings = new Settings(ConfigSource.of(kafka.serviceConfig(prefix)));
        TopicCreator.ensure(KafkaSettings.read(settings));
        Path acme = Files.writeString(dir.resolve("acme.yaml"), """
                tenantId: acme
                plan: enterprise
                limits: {dailyBudgetUsd: "25.00"}
                webhooks: {endpoints: ["https://hooks.acme.example/x"], signingSecretRefs: ["file:/run/acme"]}
                """);
        Path globex = Files.writeString(dir.resolve("globex.json"), "{\"tenantId\":\"globex\",\"defaultTier\":\"SMALL\"}");

        Run put = sluice(kafka, prefix, "put", acme.toString(), globex.toString());
        assertThat(put.exit()).as(put.err()).isZero();
        assertThat(put.out()).contains("put tenant acme").contains("put tenant globex");

        Run list = sluice(kafka, prefix, "list");
        assertThat(list.out()).contains("acme").contains("enterprise").contains("$25.00").contains("globex")
                .contains("2 tenants");

        Run show = sluice(kafka, prefix, "show", "acme");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("tenantId: \"acme\"").contains("dailyBudgetMicros: 25000000");
        Path edited = Files.writeString(dir.resolve("acme-edited.yaml"), show.out().replace("enterprise", "scale"));
        assertThat(sluice(kafka, prefix, "put", edited.toString()).exit()).isZero();
        assertThat(sluice(kafka, prefix, "show", "acme", "--json").out()).contains("\"plan\" : \"scale\"");

        assertThat(sluice(kafka, prefix, "delete", "globex").exit()).isZero();
        assertThat(sluice(kafka, prefix, "list").out()).doesNotContain("globex").contains("1 tenant");
        assertThat(sluice(kafka, prefix, "show", "globex").exit()).isEqualTo(1);
    }

    @Test
    void shouldWriteNothingWhenAnyFileIsInvalid(KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(kafka.serviceConfig(prefix)))));
        Path good = Files.writeString(dir.resolve("good.yaml"), "tenantId: good\n");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "tenantId: bad\ndefaultTier: HUGE\n");

        Run put = sluice(kafka, prefix, "put", good.toString(), bad.toString());

        assertThat(put.exit()).isEqualTo(2);
        assertThat(put.err()).contains("bad.yaml").contains("'HUGE'").contains("nothing was written");
        assertThat(sluice(kafka, prefix, "list").out()).contains("0 tenants");
    }

    @Test
    void shouldSayWhatToDoWhenKafkaIsNotThere(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("good.yaml"), "tenantId: good\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = new CommandLine(new TenantsCommand());
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((ex, c, p) -> {
            c.getErr().println(ex.getMessage());
            return 2;
        });
        int exit = cli.execute("put", good.toString(), "--bootstrap-servers", "127.0.0.1:1",
                "--registry-url", "http://127.0.0.1:1");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach Kafka at 127.0.0.1:1");
    }
}
