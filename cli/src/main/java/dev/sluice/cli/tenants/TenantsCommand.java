package dev.sluice.cli.tenants;

import dev.sluice.cli.KafkaTarget;
import dev.sluice.model.ApiKey;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.kafka.ValueSchemas;
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
 * {@code sluice tenants put|list|show|delete|pause|resume}: tenant configuration on the compacted
 * tenants topic; {@code sluice tenants keys ...}: their API keys ({@link KeysCommand}).
 */
@Command(
        name = "tenants",
        mixinStandardHelpOptions = true,
        description = "Manage tenants on the compacted tenants topic, and their API keys.",
        subcommands = {
            TenantsCommand.Put.class,
            TenantsCommand.ListTenants.class,
            TenantsCommand.Show.class,
            TenantsCommand.Delete.class,
            TenantsCommand.Pause.class,
            TenantsCommand.Resume.class,
            KeysCommand.class
        })
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

        /** The tenant as on the topic now, or null after saying on stderr that there is none. */
        TenantConfig existing(String id) {
            RecordTopic<TenantConfig> topic = topic();
            topic.check();
            TenantConfig t = topic.readAll().get(id);
            if (t == null) {
                System.err.println("sluice: no tenant " + id + " (see `sluice tenants list`)");
            }
            return t;
        }

        RecordTopic<ApiKey> apiKeys() {
            return new RecordTopic<>(kafka.bootstrap(), kafka.topics().apiKeys(), serdes().apiKeys());
        }
    }

    @Command(
            name = "put",
            mixinStandardHelpOptions = true,
            description = "Validate tenant files (YAML or JSON) and write them; nothing is written if any is invalid.")
    static final class Put implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Option(names = "--models", description = "Model catalogue to check models against (default: built-in).")
        Path models;

        @Option(
                names = "--request-topic",
                description = "Also create each tenant's own request topic,"
                        + " <prefix>requests.<tenantId>, if missing: ACLs can bind a tenant's producers to it alone.")
        boolean requestTopic;

        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            ModelCatalogue catalogue = ModelCatalogue.load(models);
            List<TenantFile.Stated> stated = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (Path f : files) {
                try {
                    stated.add(TenantFile.readStated(f, catalogue));
                } catch (TenantFile.Invalid e) {
                    errors.add(e.getMessage());
                }
            }
            if (!errors.isEmpty()) {
                errors.forEach(System.err::println);
                System.err.println("sluice: nothing was written");
                return 2;
            }
            List<TenantConfig> tenants =
                    stated.stream().map(TenantFile.Stated::tenant).toList();
            List<Topics.TopicSpec> requestTopics = new ArrayList<>();
            if (requestTopic) {
                for (TenantConfig t : tenants) {
                    Optional<Topics.TopicSpec> spec =
                            target.kafka.topics().tenantRequestsSpec(t.tenantId(), TopicLayout.DEFAULT);
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
                TopicCreator.ensure(dev.sluice.cli.CliKafka.client(target.kafka.bootstrap()), requestTopics);
                ValueSchemas.register(
                        target.serdes().registry(),
                        ValueSchemas.ofTenantRequests(requestTopics.stream()
                                .map(Topics.TopicSpec::name)
                                .toList()));
            }
            // A file that does not say `paused` leaves the tenant as pause/resume last set it: a
            // configuration rollout must not resume a tenant an operator paused.
            Map<String, TenantConfig> current =
                    stated.stream().allMatch(TenantFile.Stated::statesPause) ? Map.of() : topic.readAll();
            for (TenantFile.Stated s : stated) {
                TenantConfig was = current.get(s.tenant().tenantId());
                boolean stays = !s.statesPause() && was != null && was.paused();
                TenantConfig t = stays ? s.tenant().withPaused(true, s.tenant().updatedAt()) : s.tenant();
                topic.put(t.tenantId(), t);
                System.out.println("put tenant " + t.tenantId() + " (plan " + t.plan() + ")"
                        + (stays ? "; it stays paused (`sluice tenants resume " + t.tenantId() + "`)" : "")
                        + (!stays && t.paused() ? "; it is paused" : "")
                        + (requestTopic
                                ? "; its request topic is "
                                        + target.kafka
                                                .topics()
                                                .tenantRequests(t.tenantId())
                                                .orElseThrow()
                                : ""));
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
            String format = "%-20s %-7s %-12s %-7s %-12s %-12s %-10s %-9s %s%n";
            System.out.printf(
                    Locale.ROOT,
                    format,
                    "TENANT",
                    "STATE",
                    "PLAN",
                    "TIER",
                    "DAILY",
                    "MONTHLY",
                    "POLICY",
                    "INJECTION",
                    "WEBHOOKS");
            for (TenantConfig t : tenants.values()) {
                System.out.printf(
                        Locale.ROOT,
                        format,
                        t.tenantId(),
                        t.paused() ? "paused" : "active",
                        t.plan(),
                        t.defaultTier(),
                        usd(t.limits().dailyBudgetMicros()),
                        usd(t.limits().monthlyBudgetMicros()),
                        t.budgetPolicy(),
                        t.guardrails().injection(),
                        t.webhooks().endpoints().size());
            }
            System.out.println(tenants.size() + " tenant" + (tenants.size() == 1 ? "" : "s"));
            return 0;
        }

        private static String usd(Long micros) {
            return micros == null
                    ? "-"
                    : String.format(Locale.ROOT, "$%d.%02d", micros / 1_000_000, micros % 1_000_000 / 10_000);
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
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
            TenantConfig t = target.existing(id);
            if (t == null) {
                return 1;
            }
            System.out.print(json ? TenantFile.toJson(t) + System.lineSeparator() : TenantFile.toYaml(t));
            return 0;
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
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

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Refuse a tenant's new requests (REJECTED TENANT_PAUSED) until it is resumed; its jobs"
                    + " already routed run on.")
    static final class Pause extends PauseSwitch {
        Pause() {
            super(true);
        }
    }

    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = "Let a paused tenant's new requests through again.")
    static final class Resume extends PauseSwitch {
        Resume() {
            super(false);
        }
    }

    /** pause and resume: one write of the tenant, either way. */
    abstract static class PauseSwitch implements Callable<Integer> {
        private final boolean pause;

        @Parameters(paramLabel = "ID")
        String id;

        @Mixin
        Target target;

        PauseSwitch(boolean pause) {
            this.pause = pause;
        }

        @Override
        public Integer call() throws Exception {
            TenantConfig t = target.existing(id);
            if (t == null) {
                return 1;
            }
            if (t.paused() == pause) {
                System.out.println("tenant " + id + " was already " + (pause ? "paused" : "taking requests"));
                return 0;
            }
            target.topic().put(id, t.withPaused(pause, Instant.now()));
            System.out.println(
                    pause
                            ? "paused tenant " + id + ": the router refuses its new requests with"
                                    + " TENANT_PAUSED as soon as it reads the change; jobs already routed run on"
                            : "resumed tenant " + id + ": its new requests are routed again");
            return 0;
        }
    }
}
