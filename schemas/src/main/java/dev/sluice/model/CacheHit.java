package dev.sluice.model;

/** Whether an output came from a cache instead of a provider call. */
public enum CacheHit {
    NONE,
    EXACT,
    SEMANTIC
}
