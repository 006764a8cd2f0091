package dev.sluice.cli.eval;

import dev.sluice.cli.CliKafka;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sluice as a user's application meets it: Avro requests produced to llm.requests keyed by
 * tenant, results read from llm.results (read_committed) from where the topic ended when the eval
 * started. Only the results of requests submitted here complete a future.
 */
final class KafkaPipeline implements Pipeline {
    private final Topics topics;
    private final SluiceSerdes serdes;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, CompletableFuture<LlmResult>> waiting = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile Throwable failed;

    KafkaPipeline(String bootstrap, Topics topics, SluiceSerdes serdes) {
        this.topics = topics;
        this.serdes = serdes;
        this.producer = new KafkaProducer<>(
                CliKafka.client(
                        bootstrap, ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(),
                new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(
                CliKafka.client(
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions;
        try {
            partitions = consumer.partitionsFor(topics.results(), Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            consumer.close();
            producer.close();
            throw new IllegalStateException(
                    "cannot reach Kafka at " + bootstrap + " in 15 s: is Sluice running there"
                            + " (./sluice up)? Or run on a stack of its own with --local",
                    e);
        }
        if (partitions.isEmpty()) {
            consumer.close();
            producer.close();
            throw new IllegalStateException("no topic " + topics.results() + " at " + bootstrap
                    + ": is Sluice running there (./sluice up), or is --topics-prefix right?");
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end now: a lazy seek would skip results written before the first poll.
        partitions.forEach(consumer::position);
        this.reader = Thread.ofPlatform().daemon().name("eval-results").start(this::read);
    }

    @Override
    public CompletableFuture<LlmResult> submit(LlmRequest request) {
        Throwable stopped = failed;
        if (stopped != null) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("the reader of " + topics.results() + " stopped: " + stopped, stopped));
        }
        CompletableFuture<LlmResult> result = new CompletableFuture<>();
        waiting.put(request.requestId(), result);
        byte[] value = serdes.requests().serializer().serialize(topics.requests(), request);
        producer.send(new ProducerRecord<>(topics.requests(), request.tenantId(), value), (meta, e) -> {
            if (e != null) {
                waiting.remove(request.requestId());
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Completes the futures of results as they come. A record that is no result is skipped (it is
     * not one of ours); when the reader itself fails, every waiting future fails with its reason,
     * and so does every later submit, rather than each waiting out the run's timeout.
     */
    private void read() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() == null || waiting.isEmpty()) {
                        continue;
                    }
                    LlmResult result;
                    try {
                        result = serdes.results().deserializer().deserialize(r.topic(), r.value());
                    } catch (RuntimeException e) {
                        continue;
                    }
                    CompletableFuture<LlmResult> f = waiting.remove(result.requestId());
                    if (f != null) {
                        f.complete(result);
                    }
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException e) {
            failed = e;
            waiting.values().forEach(f -> f.completeExceptionally(e));
            waiting.clear();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
