package dev.sluice.runtime.tenants;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API key format (ADR 0011): {@code slk_<keyId>_<secret>}, where keyId is 12 random base32
 * characters (the public part, the key of its record on llm.api-keys) and secret is 32 random
 * bytes from SecureRandom in unpadded base64url. Only the SHA-256 of the whole key is stored: a
 * key has 256 random bits, so a fast hash is as good as a slow one (nothing to guess), and
 * checking it costs microseconds on every request.
 */
public final class ApiKeys {
    public static final String PREFIX = "slk_";
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int KEY_ID_CHARS = 12;
    private static final int SECRET_BYTES = 32;
    private static final Pattern FORMAT = Pattern.compile("slk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})");
    private static final HexFormat HEX = HexFormat.of();

    private ApiKeys() {}

    /** A new key: the whole key (shown once), its keyId and the hash to store. toString() hides the key. */
    public record Issued(String keyId, String key, String sha256) {
        @Override
        public String toString() {
            return "Issued[keyId=" + keyId + ", key=" + PREFIX + keyId + "_****]";
        }
    }

    public static Issued issue(SecureRandom random) {
        char[] id = new char[KEY_ID_CHARS];
        for (int i = 0; i < id.length; i++) {
            id[i] = BASE32[random.nextInt(BASE32.length)];
        }
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        String keyId = new String(id);
        String key =
                PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(keyId, key, sha256(key));
    }

    /** The keyId of a well-formed key; empty for anything else (never echo the input: it may be a secret). */
    public static Optional<String> keyIdOf(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(key);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** SHA-256 of the whole key (UTF-8), as 64 lowercase hex digits: what llm.api-keys holds. */
    public static String sha256(String key) {
        return HEX.formatHex(digest(key));
    }

    /** Whether {@code key} hashes to {@code storedSha256}, compared in constant time. */
    public static boolean matches(String key, String storedSha256) {
        byte[] stored;
        try {
            stored = HEX.parseHex(storedSha256);
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
        return MessageDigest.isEqual(digest(key), stored);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
