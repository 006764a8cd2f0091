package dev.sluice.cli.eval;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * Runs every case of a suite on every model through a {@link Pipeline}, at most
 * {@code concurrency} requests in flight, and grades each answer; a judge's call is one more
 * request through the same pipeline. A case with no result by the deadline fails as
 * {@code NO_RESULT}; one whose job did not succeed fails with its error.
 */
final class EvalRunner {
    /** The model name that asks for Sluice's AUTO routing rather than a model. */
    static final String AUTO = "auto";

    record Options(
            String runId, String tenant, List<String> models, boolean skipCache, int concurrency, Duration timeout) {
        Options {
            models = List.copyOf(models);
        }
    }

    private final Pipeline pipeline;
    private final Clock clock;

    EvalRunner(Pipeline pipeline, Clock clock) {
        this.pipeline = pipeline;
        this.clock = clock;
    }

    /**
     * Every case on every model, listed model by model in suite order; submitted case by case, every
     * model in turn. {@code progress} hears each one done.
     */
    List<CaseResult> run(EvalSuite suite, Options options, IntConsumer progress) throws InterruptedException {
        Semaphore slots = new Semaphore(options.concurrency());
        long deadline = System.nanoTime() + options.timeout().toNanos();
        int models = options.models().size();
        List<Future<CaseResult>> futures = new ArrayList<>();
        int[] done = {0};
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            // Case by case, every model in turn: each model meets the same load, so their latencies compare.
            for (EvalSuite.Case c : suite.cases()) {
                for (int m = 0; m < models; m++) {
                    String model = options.models().get(m);
                    int index = m;
                    futures.add(threads.submit(() -> {
                        CaseResult r = runCase(c, model, index, options, slots, deadline);
                        synchronized (done) {
                            progress.accept(++done[0]);
                        }
                        return r;
                    }));
                }
            }
            List<CaseResult> out = new ArrayList<>();
            for (int m = 0; m < models; m++) {
                for (int i = m; i < futures.size(); i += models) {
                    try {
                        out.add(futures.get(i).get());
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("an eval case failed to run: " + e.getCause(), e.getCause());
                    }
                }
            }
            return out;
        }
    }

    private CaseResult runCase(
            EvalSuite.Case c, String model, int modelIndex, Options o, Semaphore slots, long deadline)
            throws InterruptedException {
        String id = "eval-" + o.runId() + "-" + modelIndex + "-" + c.id();
        Answered answered = call(() -> request(id, o, c, model), slots, deadline);
        LlmRequest request = answered.request();
        LlmResult result = answered.result();
        if (result == null) {
            return new CaseResult(
                    c.id(),
                    c.category(),
                    model,
                    null,
                    CaseResult.NO_RESULT,
                    false,
                    "no result within " + o.timeout(),
                    0,
                    0,
                    0,
                    0,
                    0,
                    false,
                    false);
        }
        long latency = Math.max(
                0, Duration.between(request.createdAt(), result.completedAt()).toMillis());
        boolean cached = result.cacheHit() != CacheHit.NONE;
        if (result.status() != ResultStatus.SUCCEEDED) {
            String why = result.error() == null
                    ? result.status().name()
                    : result.error().code() + ": " + result.error().message();
            return new CaseResult(
                    c.id(),
                    c.category(),
                    model,
                    result.model(),
                    result.status().name(),
                    false,
                    why,
                    latency,
                    result.usage().totalInputTokens(),
                    result.usage().outputTokens(),
                    result.costMicros(),
                    0,
                    cached,
                    false);
        }
        String answer = result.outputJson() != null ? result.outputJson() : result.output();
        Grader.Verdict verdict;
        long judgeCost = 0;
        boolean judgeError = false;
        if (c.grader() instanceof Grader.Judge judge) {
            LlmResult reply = call(
                            () -> new LlmRequest(
                                    id + "-judge",
                                    o.tenant(),
                                    null,
                                    null,
                                    Priority.HIGH,
                                    null,
                                    judge.model(),
                                    null,
                                    judge.prompt(c.question(), answer == null ? "" : answer),
                                    256,
                                    0.0,
                                    new ResponseFormat(ResponseFormat.Type.JSON, null, null),
                                    null,
                                    metadata(o, c, "judge"),
                                    Instant.now(clock)),
                            slots,
                            deadline)
                    .result();
            if (reply == null || reply.status() != ResultStatus.SUCCEEDED) {
                verdict = Grader.Verdict.of(
                        false,
                        "judge error: "
                                + (reply == null
                                        ? "no reply in time"
                                        : reply.status()
                                                + (reply.error() == null
                                                        ? ""
                                                        : " " + reply.error().code())));
            } else {
                verdict = judge.verdict(reply.outputJson() != null ? reply.outputJson() : reply.output());
                judgeCost = reply.costMicros();
            }
            judgeError = verdict.detail().startsWith("judge error");
        } else {
            verdict = Grader.grade(c.grader(), answer);
        }
        return new CaseResult(
                c.id(),
                c.category(),
                model,
                result.model(),
                result.status().name(),
                verdict.pass(),
                verdict.detail(),
                latency,
                result.usage().totalInputTokens(),
                result.usage().outputTokens(),
                result.costMicros(),
                judgeCost,
                cached,
                judgeError);
    }

    /** The request of one case for one model: temperature and output cap as the case says. */
    LlmRequest request(String id, Options o, EvalSuite.Case c, String model) {
        boolean auto = AUTO.equals(model);
        return new LlmRequest(
                id,
                o.tenant(),
                null,
                null,
                Priority.NORMAL,
                null,
                auto ? null : model,
                auto ? Tier.AUTO : null,
                c.messages(),
                c.maxOutputTokens(),
                c.temperature(),
                c.responseFormat(),
                null,
                metadata(o, c, "answer"),
                Instant.now(clock));
    }

    private static Map<String, String> metadata(Options o, EvalSuite.Case c, String role) {
        Map<String, String> m = new HashMap<>();
        m.put("sluice.eval.run", o.runId());
        m.put("sluice.eval.case", c.id());
        m.put("sluice.eval.category", c.category());
        // The category a routing policy reads: with --models auto, the eval measures the tenant's policy.
        m.put(dev.sluice.model.TenantConfig.CATEGORY_KEY, c.category());
        m.put("sluice.eval.role", role);
        if (o.skipCache()) {
            m.put(LlmRequest.CACHE_METADATA, LlmRequest.CACHE_SKIP);
        }
        return m;
    }

    /** A request as sent (null when no slot came in time) and its result (null when none came in time). */
    private record Answered(LlmRequest request, LlmResult result) {}

    /**
     * Takes a slot, then makes the request and submits it: a request is made, and so stamped
     * {@code createdAt}, only once it can go, so that its latency is Sluice's and not the time it
     * queued here behind {@code concurrency} others.
     */
    private Answered call(java.util.function.Supplier<LlmRequest> make, Semaphore slots, long deadline)
            throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
            return new Answered(null, null);
        }
        LlmRequest request = make.get();
        try {
            return new Answered(
                    request,
                    pipeline.submit(request).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return new Answered(request, null);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "could not submit " + request.requestId() + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } finally {
            slots.release();
        }
    }
}
