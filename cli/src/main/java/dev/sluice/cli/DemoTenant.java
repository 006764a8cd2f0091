package dev.sluice.cli;

import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The demo tenant: a Standard Webhooks signing secret in a file only the owner can read (the
 * tenant record on Kafka holds a reference to it, never the secret), and its configuration on
 * the tenants topic with the demo's webhook receiver as endpoint.
 */
final class DemoTenant {
    static final String ID = "demo";

    private DemoTenant() {
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
        return dataDir.resolve("secrets").resolve(ID + ".whsec");
    }

    /** Writes the tenant's configuration, pointing its webhooks at {@code endpoint} (none when null). */
    static void register(String bootstrapServers, Topics topics, SluiceSerdes serdes, Path dataDir, String endpoint)
            throws Exception {
        TenantConfig tenant = TenantConfig.basic(ID, new TenantConfig.Webhooks(
                endpoint == null ? List.of() : List.of(endpoint),
                List.of("file:" + secretFile(dataDir).toAbsolutePath())), Instant.now());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.tenants(), ID,
                    serdes.tenants().serializer().serialize(topics.tenants(), tenant))).get();
        }
    }
}
