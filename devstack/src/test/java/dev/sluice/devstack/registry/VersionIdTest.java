package dev.sluice.devstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.devstack.registry.RegistryService.VersionId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VersionIdTest {

    @Test
    void shouldReadLatestAndMinusOneAsTheLatestVersion() {
        assertThat(VersionId.parse("latest").isLatest()).isTrue();
        assertThat(VersionId.parse("LATEST").isLatest()).isTrue();
        assertThat(VersionId.parse("-1").isLatest()).isTrue();
        assertThat(VersionId.parse("12").number()).isEqualTo(12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-2", "newest", "1.5", "99999999999", ""})
    void shouldRejectAnythingElseWith42202(String text) {
        assertThatThrownBy(() -> VersionId.parse(text)).isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(42202);
            assertThat(e.getMessage()).contains("'" + text + "'");
        });
    }
}
