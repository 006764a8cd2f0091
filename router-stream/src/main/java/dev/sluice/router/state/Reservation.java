package dev.sluice.router.state;

/** Budget held for a routed job until its result arrives: the estimate and the UTC periods charged. */
public record Reservation(long estimateMicros, String day, String month) {}
