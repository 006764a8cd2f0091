package dev.sluice.devstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogCodecTest {

    @Test
    void shouldWriteKeysInConfluentsSchemasTopicLayout() {
        assertThat(LogCodec.key(new LogEntry.SchemaVersion("orders-value", 3, 7, "\"string\"", false)))
                .isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"orders-value\",\"version\":3,\"magic\":1}");
        assertThat(LogCodec.key(new LogEntry.Config(null, CompatibilityLevel.FULL)))
                .isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}");
        assertThat(LogCodec.key(new LogEntry.Config("orders-value", null)))
                .isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":\"orders-value\",\"magic\":0}");
    }

    @Test
    void shouldGiveTheSameFactTheSameKeyWhateverItsValue() {
        var live = new LogEntry.SchemaVersion("s", 1, 1, "\"int\"", false);

        assertThat(LogCodec.key(live.markedDeleted())).isEqualTo(LogCodec.key(live));
        assertThat(LogCodec.key(new LogEntry.SchemaRemoved("s", 1))).isEqualTo(LogCodec.key(live));
    }

    @Test
    void shouldDecodeWhatItEncodes() {
        var version = new LogEntry.SchemaVersion("orders-value", 2, 5, "{\"type\":\"string\"}", true);
        var config = new LogEntry.Config("orders-value", CompatibilityLevel.FORWARD_TRANSITIVE);

        assertThat(LogCodec.decode(LogCodec.key(version), LogCodec.value(version)))
                .contains(version);
        assertThat(LogCodec.decode(LogCodec.key(config), LogCodec.value(config)))
                .contains(config);
    }

    @Test
    void shouldDecodeTombstonesAsRemovals() {
        var removed = new LogEntry.SchemaRemoved("orders-value", 2);
        var unset = new LogEntry.Config(null, null);

        assertThat(LogCodec.value(removed)).isNull();
        assertThat(LogCodec.value(unset)).isNull();
        assertThat(LogCodec.decode(LogCodec.key(removed), null)).contains(removed);
        assertThat(LogCodec.decode(LogCodec.key(unset), null)).contains(unset);
    }

    @Test
    void shouldSkipKeyTypesItDoesNotWrite() {
        assertThat(LogCodec.decode("{\"keytype\":\"NOOP\",\"magic\":0}", null)).isEmpty();
        assertThat(LogCodec.decode("{\"keytype\":\"MODE\",\"subject\":null,\"magic\":0}", "{\"mode\":\"READWRITE\"}"))
                .isEmpty();
    }

    @Test
    void shouldFailClearlyOnAKeyThatIsNotJson() {
        assertThatThrownBy(() -> LogCodec.decode("not json", "{}"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Unreadable record on the schemas topic");
    }
}
