package dev.sluice.cli.bench;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.Role;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The cost benchmark's reference workload, fixed by its seed: jobs for an OpenAI tenant and an
 * Anthropic tenant, each behind one of three shared system prompts of about 3,000 tokens (marked
 * cacheable), of four kinds: 60 % simple (classify or extract from a short text, answer capped at
 * 32 tokens), 15 % complex (analyse and compare a long brief, capped at 2,000), 15 % exact
 * duplicates of an earlier job and 10 % paraphrases of one (the same data, asked in other words).
 * 30 % have a deadline six hours away. Every request is at temperature 0.
 *
 * <p>The same jobs run three times, for three pairs of tenants: <b>naive</b> (every job to the
 * tenant's LARGE tier, Sluice's exact cache off, never a batch), <b>configured</b> (tier AUTO, the
 * exact cache on, batches where they pay) and <b>policy</b> (configured, with a routing policy
 * from an eval of the task categories). The messages are the same in all three, so the
 * providers' own prompt caches work in each; what differs is what Sluice decides. Each request's
 * metadata names its task category ({@code sluice.category}), which only the policy run reads.
 */
public final class CostWorkload {
    public enum Kind {
        SIMPLE,
        COMPLEX,
        DUPLICATE,
        PARAPHRASE
    }

    /**
     * How a run's tenants are set up: naive; configured (AUTO, cache, batches); and configured
     * with a routing policy from an eval, so AUTO sends each task category where the eval showed.
     */
    public enum Mode {
        NAIVE("n"),
        CONFIGURED("c"),
        POLICY("p");

        final String tag;

        Mode(String tag) {
            this.tag = tag;
        }

        /** {@code naive}, {@code configured}, {@code policy}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The prefix of the run's requestIds: {@code <run>-c-}. */
        String prefix(String run) {
            return run + "-" + tag + "-";
        }
    }

    public enum Provider {
        OPENAI(List.of("gpt-4.1-nano", "gpt-4.1-mini", "gpt-4.1")),
        ANTHROPIC(List.of("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"));

        final List<String> models;

        Provider(List<String> models) {
            this.models = models;
        }
    }

    /**
     * One job: its index, kind, provider, the job it repeats (duplicates and paraphrases), its task
     * category (as a routing policy reads it: classification, extraction or analysis) and its request.
     */
    public record Job(
            int index,
            Kind kind,
            Provider provider,
            int original,
            boolean deadline,
            int promptIndex,
            String system,
            String task,
            int maxOutputTokens,
            String category) {}

    /** The task categories of the simple prompts, in their order, and of a complex job. */
    static final String[] SIMPLE_CATEGORIES = {"classification", "extraction", "classification", "extraction"};

    static final String COMPLEX_CATEGORY = "analysis";

    static final Duration DEADLINE = Duration.ofHours(6);
    private static final String[] SIMPLE = {
        "Classify the sentiment of this review as positive, negative or neutral: ",
        "Extract the order number from this message: ",
        "Which department should handle this ticket, billing, shipping or support? Ticket: ",
        "Extract the customer's city from this note: ",
    };
    private static final String[] SIMPLE_PARAPHRASED = {
        "Is the following review positive, negative or neutral? Review: ",
        "What order number does this message mention? Message: ",
        "Route this ticket to billing, shipping or support: ",
        "In which city does the customer live, according to this note? Note: ",
    };
    private static final String COMPLEX = "Analyse the brief below, compare the two proposals it describes, evaluate"
            + " the trade-offs of each and justify a recommendation step by step.\n\n";
    private static final String COMPLEX_PARAPHRASED = "Read the brief below. Weigh the two proposals against each"
            + " other, set out what each one costs and gains, and argue for one of them, one step at a time.\n\n";
    private static final String[] WORDS = ("order refund invoice parcel delayed damaged customer account billing"
                    + " address shipment warehouse courier payment card subscription renewal discount voucher support agent"
                    + " escalation weekend morning city region supplier contract margin forecast budget launch quarter"
                    + " growth churn retention pricing tier capacity migration vendor platform integration")
            .split(" ");

    private final List<Job> jobs;
    private final String[] prompts;

    public CostWorkload(int count, long seed, String salt) {
        SplittableRandom random = new SplittableRandom(seed);
        prompts = new String[3];
        for (int p = 0; p < prompts.length; p++) {
            prompts[p] = systemPrompt(new SplittableRandom(seed * 31 + p), p, salt);
        }
        List<Job> out = new ArrayList<>(count);
        List<Integer> uniques = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double draw = random.nextDouble();
            boolean deadline = random.nextDouble() < 0.30;
            Kind kind = uniques.size() < 10
                    ? (draw < 0.8 ? Kind.SIMPLE : Kind.COMPLEX)
                    : draw < 0.60
                            ? Kind.SIMPLE
                            : draw < 0.75 ? Kind.COMPLEX : draw < 0.90 ? Kind.DUPLICATE : Kind.PARAPHRASE;
            if (kind == Kind.DUPLICATE || kind == Kind.PARAPHRASE) {
                Job earlier = out.get(uniques.get(random.nextInt(uniques.size())));
                String task = kind == Kind.DUPLICATE ? earlier.task() : paraphrase(earlier.task());
                out.add(new Job(
                        i,
                        kind,
                        earlier.provider(),
                        earlier.index(),
                        deadline,
                        earlier.promptIndex(),
                        earlier.system(),
                        task,
                        earlier.maxOutputTokens(),
                        earlier.category()));
                continue;
            }
            Provider provider = random.nextBoolean() ? Provider.OPENAI : Provider.ANTHROPIC;
            int prompt = random.nextInt(prompts.length);
            String task;
            int maxOutput;
            String category;
            if (kind == Kind.SIMPLE) {
                int which = random.nextInt(SIMPLE.length);
                task = SIMPLE[which] + text(random, 25 + random.nextInt(40));
                maxOutput = 32;
                category = SIMPLE_CATEGORIES[which];
            } else {
                task = COMPLEX + text(random, 350 + random.nextInt(250));
                maxOutput = 2_000;
                category = COMPLEX_CATEGORY;
            }
            out.add(new Job(i, kind, provider, i, deadline, prompt, prompts[prompt], task, maxOutput, category));
            uniques.add(i);
        }
        this.jobs = List.copyOf(out);
    }

    public List<Job> jobs() {
        return jobs;
    }

    public String prompt(int index) {
        return prompts[index];
    }

    /** The tenant of a run and provider: {@code cost-<run>-naive-openai}. */
    public static String tenantId(String run, Mode mode, Provider provider) {
        return "cost-" + run + "-" + mode.label() + "-" + provider.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * {@code semantic}: whether a configured tenant also uses the semantic cache; {@code policy}:
     * the POLICY run's routing policy (null otherwise).
     */
    public static TenantConfig tenant(
            String run, Mode mode, Provider provider, boolean semantic, TenantConfig.RoutingPolicy policy) {
        boolean configured = mode != Mode.NAIVE;
        return new TenantConfig(
                tenantId(run, mode, provider),
                "bench",
                null,
                null,
                null,
                provider.models,
                configured ? Tier.AUTO : Tier.LARGE,
                null,
                null,
                !configured
                        ? new TenantConfig.CachePolicy(false, false, 86_400)
                        : semantic ? TenantConfig.CachePolicy.DEFAULT.withSemantic() : TenantConfig.CachePolicy.DEFAULT,
                null,
                configured
                        ? TenantConfig.DEFAULT_BATCH_THRESHOLD_SECONDS
                        : Duration.ofDays(3650).toSeconds(),
                1,
                Instant.now(),
                false,
                mode == Mode.POLICY ? policy : null);
    }

    /** The job's request in a run: the same messages in every mode; the metadata names its category. */
    public LlmRequest request(Job job, String run, Mode mode, Instant now) {
        String tenant = tenantId(run, mode, job.provider());
        return new LlmRequest(
                mode.prefix(run) + job.index(),
                tenant,
                null,
                null,
                Priority.NORMAL,
                job.deadline() ? now.plus(DEADLINE) : null,
                null,
                null,
                List.of(new Message(Role.SYSTEM, job.system(), true), Message.user(job.task())),
                job.maxOutputTokens(),
                0.0,
                null,
                null,
                Map.of(TenantConfig.CATEGORY_KEY, job.category()),
                now);
    }

    private static String paraphrase(String task) {
        for (int i = 0; i < SIMPLE.length; i++) {
            if (task.startsWith(SIMPLE[i])) {
                return SIMPLE_PARAPHRASED[i] + task.substring(SIMPLE[i].length());
            }
        }
        return task.startsWith(COMPLEX) ? COMPLEX_PARAPHRASED + task.substring(COMPLEX.length()) : "Please: " + task;
    }

    /** About 3,000 tokens of house rules, distinct per prompt and run. */
    private static String systemPrompt(SplittableRandom random, int index, String salt) {
        StringBuilder sb = new StringBuilder("You are the support assistant of shop ")
                .append(salt)
                .append('-')
                .append(index)
                .append(". Follow these house rules.\n");
        for (int rule = 1; sb.length() < 19_800; rule++) {
            sb.append("Rule ")
                    .append(rule)
                    .append(": ")
                    .append(text(random, 18))
                    .append(".\n");
        }
        return sb.toString();
    }

    private static String text(SplittableRandom random, int words) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words; w++) {
            sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
