package dev.sluice.model;

/** What the router does with a request whose estimate does not fit the remaining budget. */
public enum BudgetPolicy {
    REJECT,
    DOWNGRADE
}
