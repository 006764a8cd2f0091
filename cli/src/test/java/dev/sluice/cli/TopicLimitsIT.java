package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** Topics Sluice finds already made must take the records it writes, or a start says which do not. */
@SluiceKafka
class TopicLimitsIT {

    @Test
    void shouldCreateTopicsThatTakeTheRecordLimitAndNameAnExistingOneThatDoesNot(KafkaStack kafka) throws Exception {
        Topics topics = new Topics(kafka.newPrefix());
        TopicLayout layout = new TopicLayout(3, 2, (short) 1, 5);
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topics.results(), 3, (short) 1)
                            .configs(Map.of("max.message.bytes", "500000"))))
                    .all()
                    .get();
        }
        Map<String, Object> adminProps = Map.of("bootstrap.servers", kafka.bootstrapServers());

        List<String> created = TopicCreator.ensure(adminProps, topics.all(layout));

        assertThat(created).contains(topics.completions()).doesNotContain(topics.results());
        assertThat(TopicCreator.undersized(adminProps, topics.all(layout))).containsExactly(topics.results());
    }
}
