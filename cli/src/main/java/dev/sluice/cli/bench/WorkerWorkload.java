package dev.sluice.cli.bench;

import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The worker benchmark's backlog: jobs as the router would have written them, so that the worker
 * is the only stage at work. Tenants have fair-share weights 1 to 3, and every fifth wants PII
 * redacted from its output. Jobs are NORMAL priority, tier SMALL or MEDIUM (so the OpenAI model
 * first in each chain answers), for a random tenant, with a 200 to 2,000 character prompt and an
 * output cap of 64 to 575 tokens; one in ten asks for a JSON object (the worker checks it; its cap
 * is 1,024 tokens so that the answer is never cut short and repaired). The sequence is fixed by
 * the seed.
 */
public final class WorkerWorkload {
    /** A job and the topic it goes to (key: its requestId, as the router writes it). */
    public record Queued(String topic, LlmJob job) {}

    private static final String[] WORDS = ("the invoice order refund export report timeout rotate key staging "
                    + "mobile app session update audit trail permission compliance search filter query date analyse "
                    + "compare explain why how customer account billing error retry network latency dashboard")
            .split(" ");
    private static final Tier[] TIERS = {Tier.SMALL, Tier.MEDIUM};
    private static final ResponseFormat JSON = new ResponseFormat(ResponseFormat.Type.JSON, null, null);

    private final int tenantCount;
    private final SplittableRandom random;
    private final String run;
    private final Topics topics;
    private final ModelCatalogue catalogue;
    private long next;

    public WorkerWorkload(int tenantCount, long seed, String run, Topics topics, ModelCatalogue catalogue) {
        this.tenantCount = tenantCount;
        this.random = new SplittableRandom(seed);
        this.run = run;
        this.topics = topics;
        this.catalogue = catalogue;
    }

    public String tenantId(int i) {
        return String.format("wbench-%s-%03d", run, i);
    }

    public List<TenantConfig> tenants() {
        List<TenantConfig> out = new ArrayList<>();
        for (int i = 0; i < tenantCount; i++) {
            out.add(new TenantConfig(
                    tenantId(i),
                    "bench",
                    null,
                    null,
                    null,
                    null,
                    Tier.MEDIUM,
                    null,
                    new TenantConfig.Guardrails(InjectionPolicy.FLAG, i % 5 == 4),
                    null,
                    null,
                    TenantConfig.DEFAULT_BATCH_THRESHOLD_SECONDS,
                    1 + i % 3,
                    Instant.now()));
        }
        return out;
    }

    /** The next job, routed now. */
    public Queued next() {
        long n = next++;
        Instant now = Instant.now();
        Tier tier = TIERS[random.nextInt(TIERS.length)];
        boolean json = n % 10 == 7;
        String prompt = prompt(200 + random.nextInt(1800)) + (json ? " Answer in JSON." : "");
        LlmRequest request = new LlmRequest(
                run + "-" + n,
                tenantId(random.nextInt(tenantCount)),
                null,
                "user-" + random.nextInt(1000),
                Priority.NORMAL,
                null,
                null,
                tier,
                List.of(Message.system("You answer support questions briefly."), Message.user(prompt)),
                json ? 1024 : 64 + random.nextInt(512),
                0.7,
                json ? JSON : null,
                null,
                Map.of("bench", run),
                now);
        LlmJob job = new LlmJob(
                request,
                tier,
                catalogue.chain(tier),
                prompt.length() / 4,
                0,
                null,
                null,
                "bench",
                0,
                false,
                false,
                now);
        return new Queued(topics.job(tier, Priority.NORMAL), job);
    }

    private String prompt(int chars) {
        StringBuilder sb = new StringBuilder(chars + 16);
        while (sb.length() < chars) {
            sb.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(8) == 0 ? ". " : " ");
        }
        return sb.toString();
    }
}
