package dev.sluice.cli.eval;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The quality loop for other commands (the cost benchmark): run a suite on models through Sluice
 * and derive a routing policy from the run, as {@code sluice eval} and {@code sluice eval policy} do.
 */
public final class EvalLoop {
    private EvalLoop() {}

    /** Every case on every model, as {@code tenant}, with Sluice's cache skipped; the run's report. */
    public static EvalReport run(
            EvalSuite suite,
            String runId,
            String tenant,
            List<String> models,
            String bootstrap,
            Topics topics,
            SluiceSerdes serdes,
            Duration timeout)
            throws Exception {
        Instant started = Instant.now();
        try (KafkaPipeline pipeline = new KafkaPipeline(bootstrap, topics, serdes)) {
            awaitTenant(pipeline, tenant);
            List<CaseResult> results = new EvalRunner(pipeline, Clock.systemUTC())
                    .run(suite, new EvalRunner.Options(runId, tenant, models, true, 32, timeout), done -> {});
            return new EvalReport(runId, suite.name(), tenant, models, true, started, Instant.now(), results);
        }
    }

    /** Per category, the cheapest of {@code allowed} (all when empty) whose pass rate meets the bar. */
    public static TenantConfig.RoutingPolicy policy(EvalReport run, double bar, int minCases, List<String> allowed) {
        return EvalPolicy.of(run, bar, minCases, allowed).policy();
    }

    /** The policy's table, as {@code sluice eval policy} prints it. */
    public static String policyTable(EvalReport run, double bar, int minCases, List<String> allowed) {
        return EvalPolicy.of(run, bar, minCases, allowed).text();
    }

    /**
     * Until the router knows a tenant registered a moment ago, its requests are refused
     * TENANT_UNKNOWN. The probe has no messages, so a known tenant's is refused EMPTY_MESSAGES
     * and costs nothing, as {@code bench cost}'s probe does.
     */
    static void awaitTenant(Pipeline pipeline, String tenantId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; System.nanoTime() < deadline; i++) {
            LlmRequest probe = new LlmRequest(
                    "eval-probe-" + System.currentTimeMillis() + "-" + i,
                    tenantId,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    List.of(),
                    16,
                    null,
                    null,
                    null,
                    java.util.Map.of(),
                    Instant.now());
            LlmResult r;
            try {
                r = pipeline.submit(probe).get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                continue;
            }
            String code = r.error() == null ? null : r.error().code();
            if ("EMPTY_MESSAGES".equals(code)) {
                return;
            }
            if (!"TENANT_UNKNOWN".equals(code)) {
                throw new IllegalStateException("a probe of tenant " + tenantId + " was answered " + r.status()
                        + (r.error() == null
                                ? ""
                                : " " + code + ": " + r.error().message()));
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("tenant " + tenantId + " unknown to the router after 60 s");
    }
}
