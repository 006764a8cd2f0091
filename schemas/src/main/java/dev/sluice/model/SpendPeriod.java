package dev.sluice.model;

/** The period a spend total covers. */
public enum SpendPeriod {
    DAY,
    MONTH
}
