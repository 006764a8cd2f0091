package dev.sluice.schemas.serde;

import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistry;
import java.time.Duration;
import java.util.Map;

/**
 * Configuration keys of the Avro serdes, named as Confluent's serdes name them so that one
 * properties file serves both.
 */
public final class SerdeConfig {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String MOCK_SCHEME = "mock://";

    private SerdeConfig() {}

    /** A registry client for the configured URL: REST for http(s) URLs, in-memory for {@code mock://scope}. */
    public static SchemaRegistry registry(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null) {
            throw new IllegalArgumentException("Missing " + SCHEMA_REGISTRY_URL
                    + ": set it to the schema registry's base URL, e.g. http://localhost:8081");
        }
        return registry(url.toString(), (String) configs.get(BASIC_AUTH_USER_INFO));
    }

    public static SchemaRegistry registry(String url, String basicAuthUserInfo) {
        if (url.startsWith(MOCK_SCHEME)) {
            return InMemorySchemaRegistry.forScope(url.substring(MOCK_SCHEME.length()));
        }
        return new RestSchemaRegistry(url, basicAuthUserInfo, Duration.ofSeconds(10));
    }

    static boolean autoRegister(Map<String, ?> configs) {
        Object v = configs.get(AUTO_REGISTER_SCHEMAS);
        return v == null || Boolean.parseBoolean(v.toString());
    }
}
