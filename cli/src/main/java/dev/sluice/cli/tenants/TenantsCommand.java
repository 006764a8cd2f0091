package dev.sluice.cli.tenants;

import dev.sluice.cli.KafkaTarget;
import dev.sluice.model.ApiKey;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice tenants put|list|show|delete}: tenant configuration on the compacted tenants topic;
 * {@code sluice tenants keys ...}: their API keys ({@link KeysCommand}).
 */
@Command(name = "tenants", mixinStandardHelpOptions = true,
        description = "Manage tenants on the compacted tenants topic, and their API keys.",
        subcommands = {TenantsCommand.Put.class, TenantsCommand.ListTenants.class, TenantsCommand.Show.class,
            TenantsCommand.Delete.class, KeysCommand.class})
public final class TenantsCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Where the tenants and API keys topics are: `sluice up`'s endpoints unless told otherwise. */
    static final class Target {
        @Mixin
        KafkaTarget kafka;

        private SluiceSerdes serdes() {
            return new SluiceSerdes(SerdeConfig.registry(kafka.registryUrl(), null));
        }

        RecordTopic<TenantConfig> topic() {
            return new RecordTopic<>(kafka.bootstrap(), kafka.topics().tenants(), serdes().tenants());
        }

        RecordTopic<ApiKey> apiKeys() {
            return new RecordTopic<>(kafka.bootstrap(), kafka.topics().apiKeys(), serdes().apiKeys());
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Validate tenant files (YAML or JSON) and write them; nothing is written if any is invalid.")
    static final class Put implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Option(names = "--models", description = "Model catalogue to check models against (default: built-in).")
        Path models;

        @Option(names = "--request-topic", description = "Also create each tenant's own request topic,"
                + " <prefix>requests.<tenantId>, if missing: ACLs can bind a tenant's producers to it alone.")
        boolean requestTopic;

        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            ModelCatalogue catalogue = ModelCatalogue.load(models);
            List<TenantConfig> tenants = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (Path f : files) {
                try {
                    tenants.add(TenantFile.read(f, catalogue));
                } catch (TenantFile.Invalid e) {
                    errors.add(e.getMessage());
                }
            }
            if (!errors.isEmpty()) {
                errors.forEach(System.err::println);
                System.err.println("sluice: nothing was written");
                return 2;
            }
            List<Topics.TopicSpec> requestTopics = new ArrayList<>();
            if (requestTopic) {
                for (TenantConfig t : tenants) {
                    Optional<Topics.TopicSpec> spec = target.kafka.topics().tenantRequestsSpec(t.tenantId(),
                            TopicLayout.DEFAULT);
                    if (spec.isEmpty()) {
                        System.err.println("sluice: tenant id '" + t.tenantId() + "' cannot name a topic (letters,"
                                + " digits, '.', '_' and '-' only); nothing was written");
                        return 2;
                    }
                    requestTopics.add(spec.get());
                }
            }
            RecordTopic<TenantConfig> topic = target.topic();
            topic.check();
            if (!requestTopics.isEmpty()) {
                TopicCreator.ensure(Map.of("bootstrap.servers", target.kafka.bootstrap()), requestTopics);
            }
            for (TenantConfig t : tenants) {
                topic.put(t.tenantId(), t);
                System.out.println("put tenant " + t.tenantId() + " (plan " + t.plan() + ")"
                        + (requestTopic ? "; its request topic is " + target.kafka.topics().tenantRequests(
                                t.tenantId()).orElseThrow() : ""));
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every tenant.")
    static final class ListTenants implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            RecordTopic<TenantConfig> topic = target.topic();
            topic.check();
            Map<String, TenantConfig> tenants = topic.readAll();
            System.out.printf(Locale.ROOT, "%-20s %-12s %-7s %-12s %-12s %-10s %-9s %s%n", "TENANT", "PLAN", "TIER",
                    "DAILY", "MONTHLY", "POLICY", "INJECTION", "WEBHOOKS");
            for (TenantConfig t : tenants.values()) {
                System.out.printf(Locale.ROOT, "%-20s %-12s %-7s %-12s %-12s %-10s %-9s %d%n", t.tenantId(), t.plan(),
                        t.defaultTier(), usd(t.limits().dailyBudgetMicros()), usd(t.limits().monthlyBudgetMicros()),
                        t.budgetPolicy(), t.guardrails().injection(), t.webhooks().endpoints().size());
            }
            System.out.println(tenants.size() + " tenant" + (tenants.size() == 1 ? "" : "s"));
            return 0;
        }

        private static String usd(Long micros) {
            return micros == null ? "-" : String.format(Locale.ROOT, "$%d.%02d", micros / 1_000_000,
                    micros % 1_000_000 / 10_000);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print one tenant in the file format (YAML, or JSON with --json).")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "JSON instead of YAML.")
        boolean json;

        @Mixin
        Target target;

        @Override
        public Integer call() {
            RecordTopic<TenantConfig> topic = target.topic();
            topic.check();
            TenantConfig t = topic.readAll().get(id);
            if (t == null) {
                System.err.println("sluice: no tenant " + id + " (see `sluice tenants list`)");
                return 1;
            }
            System.out.print(json ? TenantFile.toJson(t) + System.lineSeparator() : TenantFile.toYaml(t));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Remove a tenant and revoke its API keys; its later requests are rejected TENANT_UNKNOWN.")
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "ID")
        String id;

        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            RecordTopic<TenantConfig> topic = target.topic();
            RecordTopic<ApiKey> keys = target.apiKeys();
            topic.check();
            keys.check();
            if (!topic.readAll().containsKey(id)) {
                System.err.println("sluice: no tenant " + id);
                return 1;
            }
            // Keys first: a tenant created again under this id must not inherit the old tenant's keys
            // (ADR 0011), and a delete cut short after this point leaves no key behind.
            Instant now = Instant.now();
            int revoked = 0;
            for (ApiKey k : keys.readAll().values()) {
                if (k.tenantId().equals(id) && !k.revoked()) {
                    keys.put(k.keyId(), k.revoke(now));
                    revoked++;
                }
            }
            if (revoked > 0) {
                System.out.println("revoked " + revoked + " API key" + (revoked == 1 ? "" : "s") + " of " + id);
            }
            topic.delete(id);
            System.out.println("deleted tenant " + id);
            return 0;
        }
    }
}
