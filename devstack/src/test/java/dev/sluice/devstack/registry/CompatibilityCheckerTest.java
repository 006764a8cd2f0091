package dev.sluice.devstack.registry;

import static dev.sluice.devstack.registry.TestSchemas.ORDER_V1;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_AMOUNT;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_NOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.devstack.registry.CompatibilityChecker.Prior;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityCheckerTest {
    private static final Schema V1 = parse(ORDER_V1);
    private static final Schema WITH_NOTE = parse(ORDER_WITH_NOTE);
    private static final Schema WITH_AMOUNT = parse(ORDER_WITH_AMOUNT);
    private static final Schema WITH_INT_NOTE = parse("""
            {"type":"record","name":"Order","namespace":"dev.sluice.test","fields":[
              {"name":"id","type":"string"},{"name":"note","type":"int","default":0}]}""");

    @Test
    void shouldFindAFieldWithoutADefaultIncompatibleUnderBackward() {
        List<String> problems = CompatibilityChecker.incompatibilities(
                CompatibilityLevel.BACKWARD, WITH_AMOUNT, List.of(new Prior(1, V1)));

        assertThat(problems)
                .first()
                .asString()
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE", "'amount'", "/fields/1", "new schema");
        assertThat(problems).contains("{oldSchemaVersion: 1}", "{compatibility: 'BACKWARD'}");
    }

    @Test
    void shouldFindAFieldWithADefaultCompatibleInEveryDirection() {
        for (CompatibilityLevel level : CompatibilityLevel.values()) {
            assertThat(CompatibilityChecker.incompatibilities(level, WITH_NOTE, List.of(new Prior(1, V1))))
                    .as(level.name())
                    .isEmpty();
        }
    }

    @Test
    void shouldCheckTheOldSchemaAsReaderUnderForward() {
        List<Prior> priors = List.of(new Prior(1, WITH_AMOUNT));

        assertThat(CompatibilityChecker.incompatibilities(CompatibilityLevel.FORWARD, V1, priors))
                .as("old readers need amount, which the new schema no longer writes")
                .isNotEmpty();
        assertThat(CompatibilityChecker.incompatibilities(CompatibilityLevel.BACKWARD, V1, priors))
                .as("the new schema simply ignores amount")
                .isEmpty();
        assertThat(CompatibilityChecker.incompatibilities(CompatibilityLevel.FULL, V1, priors))
                .isNotEmpty();
    }

    @Test
    void shouldCheckOnlyTheLatestVersionUnlessTransitive() {
        List<Prior> priors = List.of(new Prior(1, WITH_NOTE), new Prior(2, V1));

        assertThat(CompatibilityChecker.incompatibilities(CompatibilityLevel.BACKWARD, WITH_INT_NOTE, priors))
                .isEmpty();
        assertThat(CompatibilityChecker.incompatibilities(
                        CompatibilityLevel.BACKWARD_TRANSITIVE, WITH_INT_NOTE, priors))
                .anySatisfy(m -> assertThat(m).contains("TYPE_MISMATCH"))
                .contains("{oldSchemaVersion: 1}")
                .doesNotContain("{oldSchemaVersion: 2}");
    }

    @Test
    void shouldAcceptAnythingUnderNoneOrWithoutEarlierVersions() {
        assertThat(CompatibilityChecker.incompatibilities(
                        CompatibilityLevel.NONE, WITH_AMOUNT, List.of(new Prior(1, V1))))
                .isEmpty();
        assertThat(CompatibilityChecker.incompatibilities(CompatibilityLevel.FULL_TRANSITIVE, WITH_AMOUNT, List.of()))
                .isEmpty();
    }

    @Test
    void shouldParseLevelsCaseInsensitivelyAndRejectOthersWith42203() {
        assertThat(CompatibilityLevel.parse(" full_transitive ")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(42203);
                    assertThat(e.status()).isEqualTo(422);
                });
    }

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }
}
