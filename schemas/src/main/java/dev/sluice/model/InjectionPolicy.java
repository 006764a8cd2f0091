package dev.sluice.model;

/** What the router does when a prompt matches an injection pattern. */
public enum InjectionPolicy {
    OFF,
    FLAG,
    BLOCK
}
