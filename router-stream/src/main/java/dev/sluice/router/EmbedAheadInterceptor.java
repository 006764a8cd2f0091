package dev.sluice.router;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The router's main consumers' interceptor: each poll's records go to the {@link EmbedAheadFeed}
 * given in the consumer's configuration under {@link #FEED}, before the stream thread processes
 * them. It changes no record.
 */
public final class EmbedAheadInterceptor implements ConsumerInterceptor<byte[], byte[]> {
    /** The configuration key that carries the feed (an object, not a string). */
    static final String FEED = "sluice.semantic.embed.ahead.feed";

    private EmbedAheadFeed feed;

    @Override
    public void configure(Map<String, ?> configs) {
        feed = (EmbedAheadFeed) configs.get(FEED);
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        if (feed != null) {
            feed.fetched(records);
        }
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}
}
