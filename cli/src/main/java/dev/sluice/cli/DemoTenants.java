package dev.sluice.cli;

import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The demo's tenants. They share one Standard Webhooks signing secret, kept in a file only the
 * owner can read; the tenant records hold a reference to it, never the secret.
 * <ul>
 *   <li>{@code demo}: caching on, injection FLAG, batch threshold one hour;</li>
 *   <li>{@code demo-strict}: injection BLOCK;</li>
 *   <li>{@code demo-budget-<run>}: a daily budget of $0.01, REJECT, new each run so that the
 *       day's earlier spend does not decide this run (deleted when the demo ends).</li>
 * </ul>
 */
record DemoTenants(String main, String strict, String overBudget) {
    static final String MAIN = "demo";
    static final long OVER_BUDGET_DAILY_MICROS = 10_000;

    static DemoTenants forRun(String run) {
        return new DemoTenants(MAIN, "demo-strict", "demo-budget-" + run);
    }

    /** The three tenants' ids. */
    List<String> ids() {
        return List.of(main, strict, overBudget);
    }

    /** The signing secret kept under the data directory, made on first use. */
    static String secret(Path dataDir) throws IOException {
        Path file = secretFile(dataDir);
        if (Files.exists(file)) {
            return Files.readString(file).strip();
        }
        Files.createDirectories(file.getParent());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        Files.writeString(file, secret);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system; the file stays readable to its owner as created.
        }
        return secret;
    }

    static Path secretFile(Path dataDir) {
        return dataDir.resolve("secrets").resolve(MAIN + ".whsec");
    }

    List<TenantConfig> configs(Path dataDir, String endpoint) {
        TenantConfig.Webhooks hooks = new TenantConfig.Webhooks(
                endpoint == null ? List.of() : List.of(endpoint),
                List.of("file:" + secretFile(dataDir).toAbsolutePath()));
        Instant now = Instant.now();
        List<TenantConfig> out = new ArrayList<>();
        out.add(new TenantConfig(
                main,
                "demo",
                null,
                null,
                null,
                null,
                null,
                hooks,
                new TenantConfig.Guardrails(InjectionPolicy.FLAG, false),
                TenantConfig.CachePolicy.DEFAULT.withSemantic(),
                null,
                3600,
                1,
                now));
        out.add(new TenantConfig(
                strict,
                "demo",
                null,
                null,
                null,
                null,
                null,
                hooks,
                new TenantConfig.Guardrails(InjectionPolicy.BLOCK, false),
                null,
                null,
                3600,
                1,
                now));
        out.add(new TenantConfig(
                overBudget,
                "demo",
                new TenantConfig.Limits(null, null, OVER_BUDGET_DAILY_MICROS, null, null),
                BudgetPolicy.REJECT,
                null,
                null,
                null,
                hooks,
                null,
                null,
                null,
                3600,
                1,
                now));
        return out;
    }

    /** Writes all three tenants, webhooks to {@code endpoint} (none when null). */
    void register(String bootstrapServers, Topics topics, SluiceSerdes serdes, Path dataDir, String endpoint)
            throws Exception {
        write(bootstrapServers, topics, serdes, configs(dataDir, endpoint));
    }

    /** Writes the two lasting tenants only ({@code demo} and {@code demo-strict}), for {@code sluice up}. */
    void registerLasting(String bootstrapServers, Topics topics, SluiceSerdes serdes, Path dataDir, String endpoint)
            throws Exception {
        write(
                bootstrapServers,
                topics,
                serdes,
                configs(dataDir, endpoint).stream()
                        .filter(t -> !t.tenantId().equals(overBudget))
                        .toList());
    }

    private static void write(String bootstrapServers, Topics topics, SluiceSerdes serdes, List<TenantConfig> configs)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers)) {
            for (TenantConfig t : configs) {
                producer.send(new ProducerRecord<>(
                                topics.tenants(),
                                t.tenantId(),
                                serdes.tenants().serializer().serialize(topics.tenants(), t)))
                        .get();
            }
        }
    }

    /** Removes this run's over-budget tenant, so demo runs do not pile tenants up. */
    void removeRunTenant(String bootstrapServers, Topics topics) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers)) {
            producer.send(new ProducerRecord<>(topics.tenants(), overBudget, null))
                    .get();
        }
    }

    static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new ByteArraySerializer());
    }
}
