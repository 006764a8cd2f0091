package dev.sluice.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads 250ms, 30s, 5m, 1h or ISO-8601 durations on the command line. */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        var settings = new dev.sluice.runtime.config.Settings(
                dev.sluice.runtime.config.ConfigSource.of(java.util.Map.of("d", value)));
        Duration d = settings.duration("d", null, Duration.ZERO, Duration.ofDays(365));
        try {
            settings.validate();
        } catch (dev.sluice.runtime.config.ConfigException e) {
            throw new TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 5m, 1h)");
        }
        return d;
    }
}
