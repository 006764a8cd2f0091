package dev.sluice.runtime.tenants;

import dev.sluice.runtime.config.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves secret references kept on tenant records, so that secrets never travel on Kafka:
 * {@code file:/path} reads a file (a mounted secret), {@code env:NAME} an environment variable.
 */
public final class SecretRefs {
    private SecretRefs() {}

    public static Secret resolve(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new IllegalArgumentException("empty secret reference");
        }
        if (ref.startsWith("file:")) {
            Path path = Path.of(ref.substring("file:".length()));
            try {
                return Secret.of(Files.readString(path, StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw new IllegalArgumentException("Secret file " + path + " cannot be read: "
                        + e.getClass().getSimpleName());
            }
        }
        if (ref.startsWith("env:")) {
            String name = ref.substring("env:".length());
            String value = System.getenv(name);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("Secret environment variable " + name + " is not set");
            }
            return Secret.of(value.strip());
        }
        throw new IllegalArgumentException("Secret reference must start with file: or env: (got '"
                + ref.substring(0, Math.min(5, ref.length())) + "...')");
    }
}
