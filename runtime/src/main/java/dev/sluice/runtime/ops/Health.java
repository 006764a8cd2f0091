package dev.sluice.runtime.ops;

import java.util.Map;

/** Whether a service can do its work, with details for operators. */
public record Health(boolean up, Map<String, Object> details) {
    public Health {
        details = Map.copyOf(details);
    }

    public static Health up(Map<String, Object> details) {
        return new Health(true, details);
    }

    public static Health down(Map<String, Object> details) {
        return new Health(false, details);
    }
}
