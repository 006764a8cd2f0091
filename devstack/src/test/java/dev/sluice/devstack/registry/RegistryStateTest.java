package dev.sluice.devstack.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegistryStateTest {
    private final RegistryState state = new RegistryState();

    @Test
    void shouldKeepASoftDeletedSchemaResolvableByIdButOutOfTheSubjectList() {
        var v1 = new LogEntry.SchemaVersion("orders-value", 1, 1, "\"string\"", false);
        state.apply(v1);

        state.apply(v1.markedDeleted());

        assertThat(state.subjects(false)).isEmpty();
        assertThat(state.subjects(true)).containsExactly("orders-value");
        assertThat(state.schemaById(1)).contains("\"string\"");
        assertThat(state.highestVersion("orders-value")).isEqualTo(1);
    }

    @Test
    void shouldForgetAnIdOnlyWhenNoVersionUsesItAnyMore() {
        state.apply(new LogEntry.SchemaVersion("a", 1, 1, "\"string\"", false));
        state.apply(new LogEntry.SchemaVersion("b", 1, 1, "\"string\"", false));

        state.apply(new LogEntry.SchemaRemoved("a", 1));

        assertThat(state.schemaById(1)).isPresent();
        assertThat(state.idOf("\"string\"")).contains(1);

        state.apply(new LogEntry.SchemaRemoved("b", 1));

        assertThat(state.schemaById(1)).isEmpty();
        assertThat(state.idOf("\"string\"")).isEmpty();
        assertThat(state.subjects(true)).isEmpty();
        assertThat(state.maxId()).as("ids are never handed out twice").isEqualTo(1);
    }

    @Test
    void shouldLetTheLastConfigRecordWinAndATombstoneFallBackToTheDefault() {
        state.apply(new LogEntry.Config(null, CompatibilityLevel.FULL));
        state.apply(new LogEntry.Config("orders-value", CompatibilityLevel.NONE));

        assertThat(state.effectiveLevel("orders-value")).isEqualTo(CompatibilityLevel.NONE);
        assertThat(state.effectiveLevel("other")).isEqualTo(CompatibilityLevel.FULL);

        state.apply(new LogEntry.Config("orders-value", null));
        state.apply(new LogEntry.Config(null, null));

        assertThat(state.subjectLevel("orders-value")).isEmpty();
        assertThat(state.effectiveLevel("orders-value")).isEqualTo(CompatibilityLevel.BACKWARD);
    }

    @Test
    void shouldListVersionsInAscendingOrderWhateverTheOrderTheyArrived() {
        state.apply(new LogEntry.SchemaVersion("s", 2, 2, "\"int\"", false));
        state.apply(new LogEntry.SchemaVersion("s", 1, 1, "\"string\"", false));

        assertThat(state.versions("s", false))
                .extracting(LogEntry.SchemaVersion::version)
                .containsExactly(1, 2);
        assertThat(state.usesOf(2)).extracting(LogEntry.SchemaVersion::subject).containsExactly("s");
    }
}
