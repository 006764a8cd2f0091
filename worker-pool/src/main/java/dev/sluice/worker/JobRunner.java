package dev.sluice.worker;

import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultError;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Role;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.worker.guardrails.JsonOutput;
import dev.sluice.worker.guardrails.PiiRedactor;
import dev.sluice.worker.provider.ChatProvider;
import dev.sluice.worker.provider.ProviderException;
import dev.sluice.worker.provider.ProviderReply;
import dev.sluice.worker.resilience.ProviderCalls;
import dev.sluice.worker.resilience.RateLimits;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Runs one job through its model chain, the Fallback of {@link ProviderCalls}: each model whose
 * provider this worker has an adapter for is called (with retries, behind its circuit breaker),
 * in order, until one answers. A model whose retries are spent, or whose breaker is open, hands
 * over to the next; a failure that another model would not fix (a rejected request, bad
 * credentials) ends the job. Every call is recorded as an attempt, and every billed call yields a
 * cost event priced from the catalogue.
 */
final class JobRunner {
    static final String REPAIR_PROMPT =
            "Your answer is not valid. Answer again with only the corrected JSON." + " What is wrong: ";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobRunner.class);

    private final ModelCatalogue catalogue;
    private final dev.sluice.worker.provider.Providers providers;
    private final Clock clock;
    private final ProviderCalls calls;
    private final Predicate<String> redactsPii;

    JobRunner(ModelCatalogue catalogue, dev.sluice.worker.provider.Providers providers, Clock clock) {
        this(catalogue, providers, clock, new ProviderCalls(ProviderCalls.Settings.DEFAULTS, clock), tenant -> false);
    }

    /** {@code redactsPii} says, per tenantId, whether the tenant's policy wants PII redacted from output. */
    JobRunner(
            ModelCatalogue catalogue,
            dev.sluice.worker.provider.Providers providers,
            Clock clock,
            ProviderCalls calls,
            Predicate<String> redactsPii) {
        this.catalogue = catalogue;
        this.providers = providers;
        this.clock = clock;
        this.calls = calls;
        this.redactsPii = redactsPii;
    }

    /**
     * Runs the job. A job that makes the worker itself throw (a bug, or input no check foresaw)
     * still ends with its one result, WORKER_ERROR, and the worker goes on to the next job.
     */
    Outcome run(LlmJob job) {
        try {
            return runChain(job);
        } catch (RuntimeException e) {
            log.error("Job {} of tenant {} failed inside the worker", job.requestId(), job.tenantId(), e);
            return failed(
                    LlmResult.forJob(job),
                    FailureCodes.WORKER_ERROR,
                    "the worker failed on this job (" + e.getClass().getSimpleName()
                            + "); operators have the stack trace",
                    false,
                    List.of());
        }
    }

    private Outcome runChain(LlmJob job) {
        Instant started = clock.instant();
        LlmResult.Builder result = LlmResult.forJob(job).startedAt(started);
        List<CostEvent> costs = new ArrayList<>();
        String last = null;
        for (String modelName : job.modelChain()) {
            Optional<ModelSpec> model = catalogue.model(modelName);
            Optional<ChatProvider> provider = model.flatMap(m -> providers.get(m.provider()));
            if (provider.isEmpty()) {
                continue;
            }
            try {
                ProviderReply reply = calls.call(provider.get(), model.get(), job, result::addAttempt);
                Usage usage = reply.usage();
                long cost = bill(job, model.get(), reply.usage(), costs);
                ResponseFormat format = job.request().responseFormat();
                String problem = JsonOutput.problem(format, reply.text());
                if (problem != null) {
                    // One repair: the same model, shown its answer and what is wrong with it.
                    reply = calls.call(
                            provider.get(), model.get(), repairJob(job, reply.text(), problem), result::addAttempt);
                    usage = usage.plus(reply.usage());
                    cost += bill(job, model.get(), reply.usage(), costs);
                    problem = JsonOutput.problem(format, reply.text());
                    if (problem != null) {
                        return failed(
                                result.provider(model.get().provider())
                                        .model(modelName)
                                        .usage(usage)
                                        .costMicros(cost),
                                FailureCodes.OUTPUT_INVALID,
                                modelName + " answered twice without" + " the JSON asked for; " + problem,
                                false,
                                costs);
                    }
                }
                String output = redactsPii.test(job.tenantId())
                        ? PiiRedactor.redact(reply.text()).text()
                        : reply.text();
                return new Outcome(
                        result.status(ResultStatus.SUCCEEDED)
                                .output(output)
                                .outputJson(jsonOutput(job, output))
                                .finishReason(reply.finishReason())
                                .provider(model.get().provider())
                                .model(modelName)
                                .usage(usage)
                                .costMicros(cost)
                                .completedAt(clock.instant())
                                .build(),
                        costs);
            } catch (ProviderException e) {
                last = e.getMessage();
                if (!e.retryable()) {
                    return failed(result, FailureCodes.rejected(e.status()), e.getMessage(), false, costs);
                }
                movedOn(modelName, e.outcome() + (e.status() == 0 ? "" : ", HTTP " + e.status()));
            } catch (CallNotPermittedException e) {
                last = modelName + ": circuit breaker open";
                movedOn(modelName, ProviderCalls.CIRCUIT_OPEN);
            } catch (RateLimits.WaitTooLong e) {
                last = e.getMessage();
                movedOn(modelName, ProviderCalls.RATE_LIMIT_WAIT);
            }
        }
        if (last == null) {
            return failed(
                    result,
                    FailureCodes.NO_PROVIDER,
                    "no model in the chain " + job.modelChain()
                            + " has a provider this worker is configured for (configured: " + providers.names() + ")",
                    false,
                    costs);
        }
        return failed(
                result,
                FailureCodes.PROVIDER_UNAVAILABLE,
                "every model in the chain failed; last error: " + last,
                true,
                costs);
    }

    /** One line per model given up on; the provider's message stays in the result, not in the log. */
    private static void movedOn(String model, String why) {
        log.info("Model {} gave no answer ({}); the job moves down its chain", model, why);
    }

    private Outcome failed(
            LlmResult.Builder result, String code, String message, boolean retryable, List<CostEvent> costs) {
        return new Outcome(
                result.status(ResultStatus.FAILED)
                        .error(new ResultError(code, message, retryable))
                        .completedAt(clock.instant())
                        .build(),
                costs);
    }

    /** The output again as compact JSON when JSON was asked for and it parses; null otherwise. */
    private static String jsonOutput(LlmJob job, String text) {
        ResponseFormat f = job.request().responseFormat();
        return f == null || f.type() == ResponseFormat.Type.TEXT ? null : JsonOutput.normalised(text);
    }

    /**
     * A cost event for one billed call; returns its cost. Every answered call is billed, also one
     * whose job then fails (an answer that is not the JSON asked for).
     */
    private long bill(LlmJob job, ModelSpec model, Usage usage, List<CostEvent> costs) {
        long cost = Pricing.costMicros(model, usage, CostBasis.SYNC);
        costs.add(new CostEvent(
                UUID.randomUUID().toString(),
                job.requestId(),
                job.tenantId(),
                model.provider(),
                model.name(),
                usage,
                cost,
                basis(usage),
                null,
                clock.instant()));
        return cost;
    }

    /**
     * What a synchronous call was billed as: CACHE_WRITE when it wrote to the provider's prompt
     * cache (it may have read too), CACHE_READ when it only read from it, else SYNC. The usage on
     * the event has each token class apart, so the price does not depend on the label.
     */
    static CostBasis basis(Usage usage) {
        if (usage.cacheWriteTokens() > 0) {
            return CostBasis.CACHE_WRITE;
        }
        return usage.cachedInputTokens() > 0 ? CostBasis.CACHE_READ : CostBasis.SYNC;
    }

    /** The job again with the model's answer and what is wrong with it appended to the conversation. */
    static LlmJob repairJob(LlmJob job, String answer, String problem) {
        LlmRequest r = job.request();
        List<Message> messages = new ArrayList<>(r.messages());
        messages.add(new Message(Role.ASSISTANT, answer, false));
        messages.add(Message.user(REPAIR_PROMPT + problem));
        LlmRequest repair = new LlmRequest(
                r.requestId(),
                r.tenantId(),
                r.idempotencyKey(),
                r.userId(),
                r.priority(),
                r.deadline(),
                r.model(),
                r.tier(),
                messages,
                r.maxOutputTokens(),
                r.temperature(),
                r.responseFormat(),
                r.webhook(),
                r.metadata(),
                r.createdAt());
        return new LlmJob(
                repair,
                job.tier(),
                job.modelChain(),
                job.estimatedInputTokens(),
                job.estimatedCostMicros(),
                job.cacheKey(),
                job.variant(),
                job.routeReason(),
                job.attempt(),
                job.batchEligible(),
                job.injectionFlagged(),
                job.routedAt());
    }
}
