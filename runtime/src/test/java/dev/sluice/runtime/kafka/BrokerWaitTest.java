package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.runtime.ops.Health;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The wait for Kafka at start, against ports where no Kafka broker is (BrokerStartIT in cli has one come up). */
class BrokerWaitTest {

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private record Waiting(
            BrokerWait brokerWait, Thread thread, AtomicReference<Boolean> outcome, List<String> reports) {}

    private static Waiting start(String bootstrap) {
        List<String> reports = new CopyOnWriteArrayList<>();
        BrokerWait wait = new BrokerWait(
                "router-stream", Map.of("bootstrap.servers", bootstrap), Duration.ofMillis(200), reports::add);
        AtomicReference<Boolean> outcome = new AtomicReference<>();
        Thread thread = Thread.ofVirtual().start(() -> outcome.set(wait.await()));
        return new Waiting(wait, thread, outcome, reports);
    }

    @Test
    void shouldSayInItsOwnWordsThatNoBrokerListensAndKeepTryingWhileLiveUntilClosed() throws Exception {
        String bootstrap = "127.0.0.1:" + closedPort();

        Waiting w = start(bootstrap);

        await().alias("three tries reported")
                .atMost(Duration.ofSeconds(10))
                .until(() -> w.reports().size() >= 3);
        assertThat(w.reports().getFirst())
                .isEqualTo("router-stream: cannot reach Kafka at " + bootstrap
                        + " (connection refused); retrying in 200 ms");
        Health health = w.brokerWait().health().orElseThrow();
        assertThat(health.up()).as("live while waiting").isTrue();
        assertThat(health.details().get("kafka").toString())
                .startsWith("waiting for Kafka at " + bootstrap + " since ")
                .endsWith(": connection refused");

        w.brokerWait().close();
        w.thread().join(5_000);
        assertThat(w.outcome().get()).as("a closed wait starts nothing").isFalse();
    }

    @Test
    void shouldTellAnUnknownHostFromAListenerThatIsNotKafka() throws Exception {
        try (ServerSocket notKafka = new ServerSocket(0)) {
            Waiting unknown = start("no-such-host.invalid:9092");
            Waiting silent = start("127.0.0.1:" + notKafka.getLocalPort());

            await().alias("both reported")
                    .atMost(Duration.ofSeconds(20))
                    .until(() ->
                            !unknown.reports().isEmpty() && !silent.reports().isEmpty());
            assertThat(unknown.reports().getFirst()).contains("(unknown host no-such-host.invalid)");
            assertThat(silent.reports().getFirst()).contains("the broker answers TCP but");
            unknown.brokerWait().close();
            silent.brokerWait().close();
            unknown.thread().join(5_000);
            silent.thread().join(10_000);
        }
    }
}
