package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;

/**
 * A request with the validator's verdict: accepted (with its tenant, its input token count and
 * whether an injection pattern was flagged), or refused with a status and a reason.
 */
record Verdict(
        LlmRequest request,
        TenantConfig tenant,
        int inputTokens,
        boolean injectionFlagged,
        ResultStatus refusal,
        String code,
        String message) {

    static Verdict accept(LlmRequest request, TenantConfig tenant, int inputTokens, boolean injectionFlagged) {
        return new Verdict(request, tenant, inputTokens, injectionFlagged, null, null, null);
    }

    static Verdict reject(LlmRequest request, String code, String message) {
        return new Verdict(request, null, 0, false, ResultStatus.REJECTED, code, message);
    }

    static Verdict expire(LlmRequest request, String code, String message) {
        return new Verdict(request, null, 0, false, ResultStatus.EXPIRED, code, message);
    }

    boolean accepted() {
        return refusal == null;
    }
}
