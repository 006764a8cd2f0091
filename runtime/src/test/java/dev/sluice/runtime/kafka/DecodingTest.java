package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class DecodingTest {
    private final List<Duration> waits = new ArrayList<>();
    private final List<String> heard = new ArrayList<>();

    private static SerializationException outage() {
        return new SerializationException(
                "Record names schema id 7 that the registry cannot give",
                new SchemaRegistryException.Unavailable("not reachable", new IOException("refused")));
    }

    @Test
    void shouldWaitOutARegistryOutageWithGrowingWaitsAndThenDecode() throws Exception {
        int[] tries = {0};

        String value = Decoding.waitingOutRegistry(
                () -> {
                    if (++tries[0] <= 9) {
                        throw outage();
                    }
                    return "job";
                },
                waits::add,
                e -> heard.add(e.getMessage()));

        assertThat(value).isEqualTo("job");
        assertThat(waits)
                .extracting(Duration::toMillis)
                .containsExactly(250L, 500L, 1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L);
        assertThat(heard).hasSize(9);
    }

    @Test
    void shouldFailAtOnceOnBytesThatDoNotDecode() {
        assertThatThrownBy(() -> Decoding.waitingOutRegistry(
                        () -> {
                            throw new SerializationException("Record starts with byte 0x7b, not the magic byte 0");
                        },
                        waits::add,
                        e -> heard.add(e.getMessage())))
                .isInstanceOf(SerializationException.class);
        assertThat(waits).isEmpty();
        assertThat(heard).isEmpty();
    }
}
