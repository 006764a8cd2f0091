package dev.sluice.model;

/** Model size class. AUTO asks the router to choose; a routed job never carries AUTO. */
public enum Tier {
    SMALL,
    MEDIUM,
    LARGE,
    AUTO;

    /** The lower-case name used in topic names ({@code llm.jobs.small.normal}). */
    public String topicSegment() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
