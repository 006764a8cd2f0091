package dev.sluice.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Identifiers in each provider's format. Only the text is deterministic; ids are unique per call. */
final class Ids {

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Ids() {}

    static String chatCompletion() {
        return "chatcmpl-" + base62(29);
    }

    static String openAiRequest() {
        return "req_" + HexFormat.of().formatHex(randomBytes(16));
    }

    static String anthropicMessage() {
        return "msg_01" + base62(22);
    }

    static String anthropicRequest() {
        return "req_01" + base62(22);
    }

    static String openAiFile() {
        return "file-" + base62(22);
    }

    static String openAiBatch() {
        return "batch_" + HexFormat.of().formatHex(randomBytes(16));
    }

    static String openAiBatchLine() {
        return "batch_req_" + HexFormat.of().formatHex(randomBytes(16));
    }

    static String anthropicBatch() {
        return "msgbatch_01" + base62(22);
    }

    /** Stable per model, as a real deployment's fingerprint is stable between releases. */
    static String systemFingerprint(String model) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(model.getBytes(StandardCharsets.UTF_8));
            return "fp_" + HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String base62(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return id.toString();
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
