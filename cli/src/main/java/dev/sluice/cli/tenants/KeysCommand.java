package dev.sluice.cli.tenants;

import dev.sluice.model.ApiKey;
import dev.sluice.runtime.tenants.ApiKeys;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice tenants keys create|revoke|list}: tenants' API keys on llm.api-keys (ADR 0011).
 * A key is printed once, by create, and stored nowhere: the topic holds its SHA-256 only.
 */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "Create, revoke and list tenants' API keys for ingest-service (only their hashes are stored).",
        subcommands = {KeysCommand.Create.class, KeysCommand.Revoke.class, KeysCommand.ListKeys.class})
final class KeysCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an API key for a tenant and print it, once: only its SHA-256 is kept.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "TENANT")
        String tenantId;

        @Option(names = "--label", description = "What the key is for, shown by `keys list`.")
        String label;

        @Mixin
        TenantsCommand.Target target;

        @Override
        public Integer call() throws Exception {
            RecordTopic<ApiKey> keys = target.apiKeys();
            RecordTopic<?> tenants = target.topic();
            tenants.check();
            keys.check();
            if (!tenants.readAll().containsKey(tenantId)) {
                System.err.println("sluice: no tenant " + tenantId + " (see `sluice tenants list`); no key was made");
                return 1;
            }
            ApiKeys.Issued issued = ApiKeys.issue(new SecureRandom());
            keys.put(issued.keyId(), new ApiKey(issued.keyId(), tenantId, issued.sha256(), label, Instant.now(), null));
            // The key alone on stdout, so that KEY=$(sluice tenants keys create acme) works.
            System.err.println(
                    "created API key " + issued.keyId() + " for tenant " + tenantId
                            + ". It is shown once, below; Sluice keeps only its SHA-256. Send it as 'Authorization: Bearer <key>'.");
            System.out.println(issued.key());
            return 0;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke an API key, by its key id (or the key itself); it is answered 401 from then on.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "KEYID")
        String keyId;

        @Mixin
        TenantsCommand.Target target;

        @Override
        public Integer call() throws Exception {
            // A leaked key is often all one has at hand; take it, but never print it.
            String id = ApiKeys.keyIdOf(keyId).orElse(keyId);
            if (id.startsWith("slk_") || id.length() > 40) {
                // Something key-shaped that does not parse: never echo it, it may be a secret.
                System.err.println("sluice: that is not a key id or a well-formed key (not shown)");
                return 1;
            }
            RecordTopic<ApiKey> keys = target.apiKeys();
            keys.check();
            ApiKey key = keys.readAll().get(id);
            if (key == null) {
                System.err.println("sluice: no API key " + id + " (see `sluice tenants keys list TENANT`)");
                return 1;
            }
            if (key.revoked()) {
                System.out.println("API key " + id + " of tenant " + key.tenantId() + " was already revoked at "
                        + seconds(key.revokedAt()));
                return 0;
            }
            keys.put(id, key.revoke(Instant.now()));
            System.out.println("revoked API key " + id + " of tenant " + key.tenantId());
            return 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List a tenant's API keys: key id, label, created, revoked (never the keys or hashes).")
    static final class ListKeys implements Callable<Integer> {
        @Parameters(paramLabel = "TENANT")
        String tenantId;

        @Mixin
        TenantsCommand.Target target;

        @Override
        public Integer call() {
            RecordTopic<ApiKey> keys = target.apiKeys();
            keys.check();
            List<ApiKey> own = keys.readAll().values().stream()
                    .filter(k -> k.tenantId().equals(tenantId))
                    .sorted(Comparator.comparing(ApiKey::createdAt))
                    .toList();
            String format = "%-14s %-30s %-22s %s%n";
            System.out.printf(Locale.ROOT, format, "KEY ID", "LABEL", "CREATED", "REVOKED");
            for (ApiKey k : own) {
                System.out.printf(
                        Locale.ROOT,
                        format,
                        k.keyId(),
                        k.label() == null ? "-" : k.label(),
                        seconds(k.createdAt()),
                        k.revoked() ? seconds(k.revokedAt()) : "-");
            }
            long valid = own.stream().filter(k -> !k.revoked()).count();
            System.out.println(own.size() + " key" + (own.size() == 1 ? "" : "s") + ", " + valid + " valid");
            return 0;
        }
    }

    private static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
