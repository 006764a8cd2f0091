package dev.sluice.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line of this JVM while open, written by the layout of the running configuration's
 * own root appender (the services' JSON layout), so a test reads exactly what an operator would.
 * {@code dev.sluice} loggers log at DEBUG meanwhile, so that lines a service writes only when
 * asked are checked too.
 */
public final class LogCapture implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final LoggerContext context;
    private final Appender appender;
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private final String sluiceLogger = "dev.sluice";
    private final boolean addedLogger;

    private LogCapture() {
        this.context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        Layout<?> layout = config.getRootLogger().getAppenders().values().stream()
                .map(Appender::getLayout)
                .filter(l -> l != null)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the root logger has no appender with a layout"));
        this.appender =
                new AbstractAppender("capture-" + IDS.incrementAndGet(), null, layout, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        lines.add(new String(layout.toByteArray(event), StandardCharsets.UTF_8).strip());
                    }
                };
        appender.start();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        this.addedLogger = !config.getLoggers().containsKey(sluiceLogger);
        if (addedLogger) {
            LoggerConfig sluice = new LoggerConfig(sluiceLogger, Level.DEBUG, true);
            config.addLogger(sluiceLogger, sluice);
        }
        context.updateLoggers();
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    /** The lines so far, each one JSON object as the layout wrote it. */
    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender(appender.getName());
        if (addedLogger) {
            config.removeLogger(sluiceLogger);
        }
        context.updateLoggers();
        appender.stop();
    }
}
