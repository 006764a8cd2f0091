package dev.sluice.cli;

import dev.sluice.model.ApiKey;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * API keys that {@code demo} and {@code up} make for their tenants, written straight to the keys
 * topic as `sluice tenants keys create` would (only the hashes), held in memory, and revoked when
 * the run ends so that no demo key stays valid after it.
 */
final class DemoKeys {
    private final Map<String, String> byTenant;
    private final List<ApiKey> records;

    private DemoKeys(Map<String, String> byTenant, List<ApiKey> records) {
        this.byTenant = byTenant;
        this.records = records;
    }

    /** A new key for each tenant, labelled {@code label}. */
    static DemoKeys issue(
            String bootstrapServers, Topics topics, SluiceSerdes serdes, Collection<String> tenantIds, String label)
            throws Exception {
        SecureRandom random = new SecureRandom();
        Map<String, String> byTenant = new LinkedHashMap<>();
        List<ApiKey> records = new ArrayList<>();
        for (String tenantId : tenantIds) {
            ApiKeys.Issued issued = ApiKeys.issue(random);
            byTenant.put(tenantId, issued.key());
            records.add(new ApiKey(issued.keyId(), tenantId, issued.sha256(), label, Instant.now(), null));
        }
        DemoKeys keys = new DemoKeys(byTenant, records);
        keys.write(bootstrapServers, topics, serdes, records);
        return keys;
    }

    String forTenant(String tenantId) {
        String key = byTenant.get(tenantId);
        if (key == null) {
            throw new IllegalArgumentException("no demo key for tenant " + tenantId);
        }
        return key;
    }

    /**
     * Waits until ingest-service knows every key and its tenant: an empty job sent with it is
     * answered 400 (never produced) instead of 401 or 403. Ingest reads the topics within about
     * 200 ms; the first jobs would otherwise race it.
     */
    void awaitKnown(String ingestUrl, Duration timeout) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, String> e : byTenant.entrySet()) {
            HttpRequest probe = HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/jobs"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + e.getValue())
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build();
            int status;
            while ((status = http.send(probe, HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    != 400) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("ingest-service still answers " + status + " for tenant "
                            + e.getKey() + "'s API key after " + timeout.toSeconds() + " s");
                }
                Thread.sleep(50);
            }
        }
    }

    /** Revokes every key made here. */
    void revoke(String bootstrapServers, Topics topics, SluiceSerdes serdes) throws Exception {
        Instant now = Instant.now();
        write(
                bootstrapServers,
                topics,
                serdes,
                records.stream().map(k -> k.revoke(now)).toList());
    }

    private void write(String bootstrapServers, Topics topics, SluiceSerdes serdes, List<ApiKey> keys)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = DemoTenants.producer(bootstrapServers)) {
            for (ApiKey k : keys) {
                producer.send(new ProducerRecord<>(
                                topics.apiKeys(),
                                k.keyId(),
                                serdes.apiKeys().serializer().serialize(topics.apiKeys(), k)))
                        .get();
            }
        }
    }
}
