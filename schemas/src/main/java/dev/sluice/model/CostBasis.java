package dev.sluice.model;

/** What a provider call was billed as. */
public enum CostBasis {
    SYNC,
    BATCH,
    CACHE_READ,
    CACHE_WRITE
}
