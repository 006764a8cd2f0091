package dev.sluice.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ClusterIdTest {

    @Test
    void shouldNeverMakeAClusterIdTheStorageToolWouldTakeForAnOption() {
        // One random id in 64 starts with '-'; 5,000 draws miss that with odds of about e^-78.
        for (int i = 0; i < 5_000; i++) {
            String id = KafkaBroker.newClusterId();
            assertThat(id).hasSize(22).doesNotStartWith("-");
            assertThat(Base64.getUrlDecoder().decode(id)).hasSize(16);
        }
    }
}
