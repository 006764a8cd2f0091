package dev.sluice.runtime.tracing;

import dev.sluice.runtime.config.Settings;
import java.util.List;
import java.util.Locale;

/**
 * Where a service sends its spans, and how many traces it keeps.
 *
 * @param endpoint the OTLP/HTTP traces URL ({@code .../v1/traces}); null when tracing is off
 * @param sampleRatio the share of the traces this service starts that are recorded (0 to 1); a
 *     trace continued from a caller or an upstream service follows the upstream decision
 */
public record TracingSettings(String endpoint, double sampleRatio) {
    /** The value of {@code tracing.otlp.endpoint} that turns tracing off (the default). */
    public static final String NONE = "none";

    public static final TracingSettings OFF = new TracingSettings(null, 1.0);
    public static final String ENDPOINT_KEY = "tracing.otlp.endpoint";
    public static final String RATIO_KEY = "tracing.sample.ratio";
    /** Every key read here, for a launcher that passes them on from its own environment. */
    public static final List<String> KEYS = List.of(ENDPOINT_KEY, RATIO_KEY);

    private static final String TRACES_PATH = "/v1/traces";

    public boolean enabled() {
        return endpoint != null;
    }

    public static TracingSettings read(Settings s) {
        String endpoint = s.string(ENDPOINT_KEY, NONE);
        String ratioText = s.string(RATIO_KEY, "1.0");
        double ratio = 1.0;
        try {
            ratio = Double.parseDouble(ratioText);
            if (!(ratio >= 0 && ratio <= 1)) {
                s.problem("tracing.sample.ratio = " + ratioText + " is out of range [0, 1]");
                ratio = 1.0;
            }
        } catch (NumberFormatException e) {
            s.problem("tracing.sample.ratio = '" + ratioText + "' is not a number between 0 and 1");
        }
        if (endpoint.toLowerCase(Locale.ROOT).equals(NONE)) {
            return new TracingSettings(null, ratio);
        }
        String url = s.url("tracing.otlp.endpoint", null);
        if (url.contains(",")) {
            s.problem("tracing.otlp.endpoint = '" + url + "': give one collector URL");
        }
        return new TracingSettings(tracesUrl(url), ratio);
    }

    /**
     * The collector's traces URL: a base URL ({@code http://collector:4318}) gets OTLP/HTTP's
     * {@code /v1/traces}, as OTEL_EXPORTER_OTLP_ENDPOINT does; a URL that names that path is kept.
     */
    static String tracesUrl(String endpoint) {
        String url = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        return url.endsWith(TRACES_PATH) ? url : url + TRACES_PATH;
    }
}
