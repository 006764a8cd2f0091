package dev.sluice.runtime.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void shouldIssueAKeyOfTheDocumentedFormWithA256BitSecret() {
        ApiKeys.Issued issued = ApiKeys.issue(RANDOM);

        assertThat(issued.key()).matches("slk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}");
        assertThat(issued.key()).startsWith("slk_" + issued.keyId() + "_");
        String secret = issued.key().substring(("slk_" + issued.keyId() + "_").length());
        assertThat(Base64.getUrlDecoder().decode(secret)).hasSize(32);
        assertThat(ApiKeys.keyIdOf(issued.key())).hasValue(issued.keyId());
    }

    @Test
    void shouldIssueADifferentKeyIdAndSecretEveryTime() {
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ApiKeys.Issued issued = ApiKeys.issue(RANDOM);
            ids.add(issued.keyId());
            keys.add(issued.key());
        }
        assertThat(ids).hasSize(1000);
        assertThat(keys).hasSize(1000);
    }

    @Test
    void shouldStoreTheSha256OfTheWholeKeyAsLowercaseHex() {
        // sha256sum of the same 60 characters, computed outside Java.
        String key = "slk_abcdefghij23_" + "A".repeat(43);
        assertThat(ApiKeys.sha256(key)).isEqualTo("fa888a38fcdc8ac19d7e426b6f6a8e7653df650e4758a9873322b5a3c5ee678d");
        ApiKeys.Issued issued = ApiKeys.issue(RANDOM);
        assertThat(issued.sha256()).isEqualTo(ApiKeys.sha256(issued.key())).hasSize(64);
    }

    @Test
    void shouldMatchOnlyTheKeyThatWasHashed() {
        ApiKeys.Issued issued = ApiKeys.issue(RANDOM);
        ApiKeys.Issued other = ApiKeys.issue(RANDOM);
        String sameIdOtherSecret = "slk_" + issued.keyId() + other.key().substring(16);

        assertThat(ApiKeys.matches(issued.key(), issued.sha256())).isTrue();
        assertThat(ApiKeys.matches(sameIdOtherSecret, issued.sha256())).isFalse();
        assertThat(ApiKeys.matches(other.key(), issued.sha256())).isFalse();
        assertThat(ApiKeys.matches(issued.key(), "not hex")).isFalse();
        assertThat(ApiKeys.matches(issued.key(), issued.sha256().substring(2))).isFalse();
    }

    @Test
    void shouldRefuseAnythingThatIsNotAWellFormedKey() {
        String good = "slk_abcdefghij23_" + "A".repeat(43);
        assertThat(ApiKeys.keyIdOf(good)).hasValue("abcdefghij23");
        assertThat(ApiKeys.keyIdOf(null)).isEmpty();
        assertThat(ApiKeys.keyIdOf("")).isEmpty();
        assertThat(ApiKeys.keyIdOf("sk-" + good.substring(4))).isEmpty();
        assertThat(ApiKeys.keyIdOf(good + "A")).isEmpty();
        assertThat(ApiKeys.keyIdOf(good.substring(0, good.length() - 1))).isEmpty();
        assertThat(ApiKeys.keyIdOf("slk_ABCDEFGHIJ23_" + "A".repeat(43))).isEmpty();
        assertThat(ApiKeys.keyIdOf(good.replace("_A", "_A A"))).isEmpty();
    }

    @Test
    void shouldNeverPrintTheKeyInToString() {
        ApiKeys.Issued issued = ApiKeys.issue(RANDOM);
        assertThat(issued.toString())
                .contains(issued.keyId())
                .doesNotContain(issued.key())
                .doesNotContain(issued.sha256());
    }
}
