package dev.sluice.model;

/** How soon a job should run; workers take HIGH before NORMAL before LOW. */
public enum Priority {
    HIGH,
    NORMAL,
    LOW;

    /** The lower-case name used in topic names ({@code llm.jobs.medium.high}). */
    public String topicSegment() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
