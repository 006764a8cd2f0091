package dev.sluice.cli.chaos;

import java.util.Locale;

/** What a chaos run can kill. */
public enum Target {
    ROUTER("router-stream"),
    WORKER("worker-pool"),
    SINK("result-sink"),
    INGEST("ingest-service"),
    BROKER("broker");

    private final String label;

    Target(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** {@code router}, {@code router-stream}, {@code broker}... */
    public static Target parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (Target t : values()) {
            if (t.name().toLowerCase(Locale.ROOT).equals(n) || t.label.equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown part '" + name + "': use router, worker, sink, ingest or broker");
    }
}
