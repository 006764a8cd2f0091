package dev.sluice.cli.eval;

import dev.sluice.cli.DataDirOption;
import dev.sluice.cli.KafkaTarget;
import dev.sluice.cli.LocalStack;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.SimConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice eval SUITE --models a,b}: every case of the suite on every model, through Sluice,
 * graded; the report printed and kept on llm.eval-runs. {@code --min-pass} makes it a CI gate.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Run an eval suite on models through Sluice: pass rate, latency, tokens and cost per model and"
                    + " category. The run is kept on llm.eval-runs for `sluice eval compare`.",
            "Exit status: 0, or 1 when a model's pass rate is below --min-pass, or 2 on an error."
        },
        subcommands = {EvalCommand.Compare.class, EvalCommand.Policy.class})
public final class EvalCommand implements Callable<Integer> {
    /** The tenant a --local run registers and runs as. */
    static final String LOCAL_TENANT = "eval";

    @Parameters(paramLabel = "SUITE", arity = "0..1", description = "The suite: YAML, or JSONL (one case per line).")
    Path suiteFile;

    @Option(
            names = "--models",
            split = ",",
            paramLabel = "MODEL",
            required = false,
            description = "Models to run the suite on, comma-separated; `auto` is Sluice's AUTO routing.")
    List<String> models;

    @Option(
            names = "--tenant",
            paramLabel = "T",
            description = "The tenant the requests run as: its cache, budgets"
                    + " and allowed models apply (default: demo, as `sluice up` registers it; eval with --local).")
    String tenant;

    @Option(
            names = "--min-pass",
            paramLabel = "RATE",
            description = "Exit 1 when a model's pass rate over the suite" + " is below this, from 0 to 1 (e.g. 0.9).")
    Double minPass;

    @Option(
            names = "--no-cache",
            description = "Keep Sluice's cache from answering (or storing) these requests;"
                    + " budgets and routing still apply.")
    boolean skipCache;

    @Option(
            names = "--concurrency",
            defaultValue = "16",
            description = "Requests in flight at once (default" + " ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(
            names = "--timeout",
            defaultValue = "600",
            paramLabel = "SECONDS",
            description = "Longest wait for the"
                    + " whole run; a case without a result by then fails as NO_RESULT (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--json", description = "Print the report as one JSON object on stdout (as kept on the topic).")
    boolean json;

    @Option(
            names = "--local",
            description = "Start the local stack (broker, registry, provider simulator, services)"
                    + " for this run, as `sluice demo` does, instead of using a running one.")
    boolean local;

    @Mixin
    KafkaTarget target;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EvalSuite suite = checkedSuite();
        PrintStream err = System.err;
        String runId = Long.toString(System.currentTimeMillis(), 36);
        if (!local) {
            Topics topics = target.topics();
            SluiceSerdes serdes = new SluiceSerdes(SerdeConfig.registry(target.registryUrl(), null));
            return run(suite, runId, tenant == null ? "demo" : tenant, target.bootstrap(), topics, serdes, err);
        }
        SimConfig sim = SimConfig.defaults().withLatency(Duration.ofMillis(50), Duration.ofMillis(50));
        try (LocalStack stack = new LocalStack(new LocalStack.Options(
                        dataDir.path(), LocalStack.Ports.ANY, sim, Map.of(), List.of("-XX:TieredStopAtLevel=1")))
                .start(step -> err.println("sluice: " + step))) {
            Topics topics = new Topics(Topics.DEFAULT_PREFIX);
            SluiceSerdes serdes = new SluiceSerdes(SerdeConfig.registry(stack.registryUrl(), null));
            String as = tenant == null ? LOCAL_TENANT : tenant;
            register(stack.bootstrapServers(), topics, serdes, as, err);
            return run(suite, runId, as, stack.bootstrapServers(), topics, serdes, err);
        }
    }

    private EvalSuite checkedSuite() throws Exception {
        CommandLine cli = spec.commandLine();
        if (suiteFile == null) {
            throw new CommandLine.ParameterException(cli, "give the suite file: sluice eval SUITE --models a,b");
        }
        if (models == null || models.isEmpty()) {
            throw new CommandLine.ParameterException(cli, "give --models, e.g. --models gpt-4.1-nano,gpt-4.1-mini");
        }
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        List<String> unknown = models.stream()
                .filter(m -> !m.equals(EvalRunner.AUTO))
                .filter(m -> catalogue.model(m).isEmpty())
                .toList();
        if (!unknown.isEmpty()) {
            throw new CommandLine.ParameterException(
                    cli,
                    "unknown model(s) " + unknown + "; known: auto, "
                            + String.join(
                                    ", ",
                                    catalogue.models().keySet().stream()
                                            .sorted()
                                            .toList()));
        }
        if (models.stream().distinct().count() != models.size()) {
            throw new CommandLine.ParameterException(cli, "--models names a model twice");
        }
        if (minPass != null && (minPass < 0 || minPass > 1)) {
            throw new CommandLine.ParameterException(cli, "--min-pass must be from 0 to 1");
        }
        if (concurrency < 1 || timeoutSeconds < 1) {
            throw new CommandLine.ParameterException(cli, "--concurrency and --timeout must be at least 1");
        }
        EvalSuite suite;
        try {
            suite = EvalSuite.read(suiteFile);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CommandLine.ParameterException(cli, "no suite file " + suiteFile);
        } catch (EvalSuite.Invalid e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }
        List<String> judges = new ArrayList<>();
        for (EvalSuite.Case c : suite.cases()) {
            if (c.grader() instanceof Grader.Judge judge
                    && catalogue.model(judge.model()).isEmpty()) {
                judges.add(c.id() + " (" + judge.model() + ")");
            }
        }
        if (!judges.isEmpty()) {
            throw new CommandLine.ParameterException(
                    cli, "judge model(s) not in the model catalogue, in case(s) " + String.join(", ", judges));
        }
        return suite;
    }

    private int run(
            EvalSuite suite,
            String runId,
            String as,
            String bootstrap,
            Topics topics,
            SluiceSerdes serdes,
            PrintStream err)
            throws Exception {
        EvalRunner.Options options =
                new EvalRunner.Options(runId, as, models, skipCache, concurrency, Duration.ofSeconds(timeoutSeconds));
        int total = suite.cases().size() * models.size();
        err.printf(
                "sluice: eval %s, run %s: %d cases x %d models as tenant %s%n",
                suite.name(), runId, suite.cases().size(), models.size(), as);
        Instant started = Instant.now();
        List<CaseResult> results;
        try (KafkaPipeline pipeline = new KafkaPipeline(bootstrap, topics, serdes)) {
            if (local) {
                EvalLoop.awaitTenant(pipeline, as);
            }
            int step = Math.max(1, total / 10);
            results = new EvalRunner(pipeline, Clock.systemUTC()).run(suite, options, done -> {
                if (done % step == 0 || done == total) {
                    err.printf("sluice: %d/%d graded%n", done, total);
                }
            });
        }
        EvalReport report = new EvalReport(runId, suite.name(), as, models, skipCache, started, Instant.now(), results);
        System.out.print(json ? report.json() + System.lineSeparator() : report.text());
        System.out.flush();
        try {
            new EvalRuns(bootstrap, topics.evalRuns()).append(report);
        } catch (IllegalStateException e) {
            err.println("sluice: " + e.getMessage() + "; the report above is all there is of run " + runId);
            return 2;
        }
        err.println("sluice: run " + runId + " kept on " + topics.evalRuns() + "; compare runs with: sluice eval"
                + " compare " + suite.name() + (local ? " --local" : ""));
        if (minPass != null) {
            Map<String, Map<String, EvalReport.Stats>> stats = report.stats();
            List<String> below = report.below(minPass);
            if (!below.isEmpty()) {
                err.printf(
                        "sluice: below --min-pass %s: %s%n",
                        minPass,
                        String.join(
                                ", ",
                                below.stream()
                                        .map(m -> m + " "
                                                + String.format(
                                                        java.util.Locale.ROOT,
                                                        "%.1f%%",
                                                        100
                                                                * stats.get(m)
                                                                        .get(EvalReport.ALL)
                                                                        .passRate()))
                                        .toList()));
                return 1;
            }
        }
        return 0;
    }

    /**
     * The tenant this run runs as, registered with defaults (no webhooks, the cache on) when the
     * data directory has none by that id; one already there is kept as it is, routing policy,
     * budgets and experiments included, so that an eval measures it.
     */
    private static void register(String bootstrap, Topics topics, SluiceSerdes serdes, String tenantId, PrintStream err)
            throws Exception {
        dev.sluice.cli.tenants.RecordTopic<TenantConfig> tenants =
                new dev.sluice.cli.tenants.RecordTopic<>(bootstrap, topics.tenants(), serdes.tenants());
        if (tenants.readAll().containsKey(tenantId)) {
            err.println("sluice: running as tenant " + tenantId + " as configured in this data directory");
            return;
        }
        tenants.put(tenantId, TenantConfig.basic(tenantId, TenantConfig.Webhooks.NONE, Instant.now()));
    }

    /** What a subcommand does with a broker, a registry and the topics. */
    @FunctionalInterface
    interface OnKafka {
        int run(String bootstrap, String registry, Topics topics) throws Exception;
    }

    /**
     * {@code what} on the data `sluice eval --local` kept: the local stack's broker and registry
     * over its data directory, no services.
     */
    static int onLocalData(DataDirOption dataDir, OnKafka what) throws Exception {
        try (LocalStack stack = new LocalStack(new LocalStack.Options(
                        dataDir.path(),
                        LocalStack.Ports.ANY,
                        SimConfig.defaults(),
                        Map.of(),
                        List.of(),
                        java.util.Set.of()))
                .start(step -> {})) {
            return what.run(stack.bootstrapServers(), stack.registryUrl(), new Topics(Topics.DEFAULT_PREFIX));
        }
    }

    /**
     * {@code sluice eval policy SUITE --tenant T --bar 0.9}: from a kept run, per category the
     * cheapest model at the bar; {@code --write} puts it in the tenant's configuration for AUTO.
     */
    @Command(
            name = "policy",
            mixinStandardHelpOptions = true,
            description = {
                "A routing policy from a kept run of a suite: per category, the cheapest model (cost per"
                        + " request) whose pass rate meets --bar over at least --min-cases cases, among the models the"
                        + " tenant may use. With --write it becomes the tenant's routingPolicy: AUTO requests whose"
                        + " metadata names the category (sluice.category) go to that model; others keep the heuristic."
            })
    static final class Policy implements Callable<Integer> {
        @Parameters(paramLabel = "SUITE", description = "The suite's name.")
        String suite;

        @Option(names = "--tenant", required = true, paramLabel = "T", description = "The tenant the policy is for.")
        String tenant;

        @Option(
                names = "--bar",
                required = true,
                paramLabel = "RATE",
                description = "The pass rate a model must" + " meet in a category, from 0 to 1.")
        double bar;

        @Option(
                names = "--min-cases",
                defaultValue = "5",
                paramLabel = "N",
                description = "Cases a category needs" + " before a model is chosen for it (default ${DEFAULT-VALUE}).")
        int minCases;

        @Option(names = "--run", paramLabel = "ID", description = "The run to use (default: the tenant's latest).")
        String runId;

        @Option(names = "--write", description = "Write the policy into the tenant's configuration.")
        boolean write;

        @Option(names = "--json", description = "JSON instead of text.")
        boolean json;

        @Option(names = "--local", description = "Use the local stack's data (as `sluice eval --local` kept it).")
        boolean local;

        @Mixin
        KafkaTarget target;

        @Mixin
        DataDirOption dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (bar < 0 || bar > 1 || minCases < 1) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--bar must be from 0 to 1 and --min-cases at least 1");
            }
            if (!local) {
                return policy(target.bootstrap(), target.registryUrl(), target.topics());
            }
            return onLocalData(dataDir, this::policy);
        }

        private int policy(String bootstrap, String registry, Topics topics) throws Exception {
            List<EvalReport> runs = new EvalRuns(bootstrap, topics.evalRuns()).of(suite);
            // Without --run, the tenant's own latest run: its cache, budgets and models made the figures.
            EvalReport run = runId == null
                    ? runs.stream()
                            .filter(r -> r.tenant().equals(tenant))
                            .reduce((a, b) -> b)
                            .orElse(null)
                    : runs.stream()
                            .filter(r -> r.runId().equals(runId))
                            .findFirst()
                            .orElse(null);
            if (run == null) {
                System.err.println("sluice: no " + (runId == null ? "run of tenant " + tenant : "run " + runId)
                        + " of suite " + suite + " on " + topics.evalRuns()
                        + (runs.isEmpty()
                                ? ""
                                : "; its runs: "
                                        + String.join(
                                                ", ",
                                                runs.stream()
                                                        .map(r -> r.runId() + " (tenant " + r.tenant() + ")")
                                                        .toList())
                                        + (runId == null ? "; --run picks one" : "")));
                return 1;
            }
            if (!run.tenant().equals(tenant)) {
                System.err.println("sluice: note: run " + run.runId() + " ran as tenant " + run.tenant()
                        + "; the policy is for " + tenant);
            }
            long cached = run.cases().stream().filter(CaseResult::cached).count();
            if (cached > 0) {
                System.err.println("sluice: run " + run.runId() + " had " + cached + " answer(s) from Sluice's cache,"
                        + " at no cost: its costs are not the models'. Run the eval again with --no-cache");
                return 1;
            }
            dev.sluice.cli.tenants.RecordTopic<TenantConfig> tenants = new dev.sluice.cli.tenants.RecordTopic<>(
                    bootstrap, topics.tenants(), new SluiceSerdes(SerdeConfig.registry(registry, null)).tenants());
            tenants.check();
            TenantConfig config = tenants.readAll().get(tenant);
            if (config == null) {
                System.err.println("sluice: no tenant " + tenant + " (see `sluice tenants list`)");
                return 1;
            }
            EvalPolicy policy = EvalPolicy.of(run, bar, minCases, config.allowedModels());
            System.out.print(json ? policy.json().toPrettyString() + System.lineSeparator() : policy.text());
            if (!write) {
                System.err.println("sluice: nothing written; --write makes it tenant " + tenant + "'s routing policy");
                return 0;
            }
            if (config.defaultTier() != dev.sluice.model.Tier.AUTO) {
                System.err.println("sluice: note: tenant " + tenant + "'s default tier is " + config.defaultTier()
                        + ", so the policy applies to requests that ask for tier AUTO");
            }
            tenants.put(tenant, config.withRoutingPolicy(policy.policy(), Instant.now()));
            System.err.println("sluice: wrote the routing policy of tenant " + tenant + " ("
                    + policy.policy().models().size()
                    + " categories); requests name their category in metadata sluice.category");
            return 0;
        }
    }

    /** {@code sluice eval compare SUITE}: the two latest runs (or the named ones) side by side. */
    @Command(
            name = "compare",
            mixinStandardHelpOptions = true,
            description = "Compare two runs of a suite kept on llm.eval-runs: pass rate, p95 and cost per request per"
                    + " model and category, and the cases that regressed or were fixed. Without --run, the latest two.")
    static final class Compare implements Callable<Integer> {
        @Parameters(
                paramLabel = "SUITE",
                description = "The suite's name (its `name`, or its file name without" + " the extension).")
        String suite;

        @Option(
                names = "--run",
                paramLabel = "ID",
                description =
                        "A run to compare, older first; give it twice, or" + " once to compare it with the latest.")
        List<String> runs = new ArrayList<>();

        @Option(
                names = "--tenant",
                paramLabel = "T",
                description =
                        "Compare this tenant's latest two runs (default:" + " the tenant of the suite's latest run).")
        String tenant;

        @Option(names = "--json", description = "JSON instead of text.")
        boolean json;

        @Option(
                names = "--local",
                description = "Read the runs `sluice eval --local` kept: start the local stack's"
                        + " broker (its data directory) for the read.")
        boolean local;

        @Mixin
        KafkaTarget target;

        @Mixin
        DataDirOption dataDir;

        @Override
        public Integer call() throws Exception {
            if (!local) {
                return compare(target.bootstrap(), target.topics());
            }
            return onLocalData(dataDir, (bootstrap, registry, topics) -> compare(bootstrap, topics));
        }

        private int compare(String bootstrap, Topics topics) throws Exception {
            List<EvalReport> all;
            try {
                all = new EvalRuns(bootstrap, topics.evalRuns()).of(suite);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                System.err.println("sluice: cannot reach Kafka at " + bootstrap + " (" + e.getMessage() + "): is"
                        + " Sluice running there (./sluice up)? Runs of `sluice eval --local` are read with --local.");
                return 2;
            }
            // Runs of one tenant: another tenant's cache, budgets and models make other figures.
            String as = tenant != null
                    ? tenant
                    : all.isEmpty() ? null : all.getLast().tenant();
            List<EvalReport> mine =
                    all.stream().filter(r -> r.tenant().equals(as)).toList();
            if (runs.isEmpty() && mine.size() < 2) {
                System.err.println("sluice: suite " + suite + " has " + mine.size() + " run(s) "
                        + (as == null ? "" : "of tenant " + as + " ") + "on " + topics.evalRuns()
                        + "; compare needs two"
                        + (all.size() > mine.size()
                                ? " (--tenant picks another tenant's;" + " --run names runs)"
                                : ""));
                return 1;
            }
            EvalReport before;
            EvalReport after;
            if (runs.isEmpty()) {
                before = mine.get(mine.size() - 2);
                after = mine.getLast();
            } else if (runs.size() <= 2) {
                before = find(all, runs.getFirst());
                after = runs.size() == 2 ? find(all, runs.get(1)) : all.getLast();
            } else {
                System.err.println("sluice: give --run once or twice");
                return 2;
            }
            if (before == null || after == null) {
                System.err.println("sluice: no such run of " + suite + "; its runs: "
                        + String.join(
                                ", ",
                                all.stream()
                                        .map(r -> r.runId() + " (" + r.startedAt() + ")")
                                        .toList()));
                return 1;
            }
            if (!before.tenant().equals(after.tenant())) {
                System.err.println("sluice: note: run " + before.runId() + " ran as tenant " + before.tenant()
                        + ", run " + after.runId() + " as " + after.tenant());
            }
            EvalCompare compare = new EvalCompare(before, after);
            System.out.print(json ? compare.json().toPrettyString() + System.lineSeparator() : compare.text());
            return 0;
        }

        private static EvalReport find(List<EvalReport> runs, String id) {
            return runs.stream().filter(r -> r.runId().equals(id)).findFirst().orElse(null);
        }
    }
}
