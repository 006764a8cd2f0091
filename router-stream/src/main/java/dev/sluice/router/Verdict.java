package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.ResultStatus;

/** A request with the validator's verdict: accepted, or refused with a status and reason. */
record Verdict(LlmRequest request, ResultStatus refusal, String code, String message) {
    static Verdict accept(LlmRequest request) {
        return new Verdict(request, null, null, null);
    }

    static Verdict reject(LlmRequest request, String code, String message) {
        return new Verdict(request, ResultStatus.REJECTED, code, message);
    }

    static Verdict expire(LlmRequest request, String code, String message) {
        return new Verdict(request, ResultStatus.EXPIRED, code, message);
    }

    boolean accepted() {
        return refusal == null;
    }
}
