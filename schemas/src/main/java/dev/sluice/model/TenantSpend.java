package dev.sluice.model;

import java.time.Instant;

/** A tenant's spend for one UTC period ("2026-11-22" for a day, "2026-11" for a month). */
public record TenantSpend(
        String tenantId, SpendPeriod periodType, String period, long spentMicros, long events, Instant updatedAt) {}
