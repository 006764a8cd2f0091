package dev.sluice.router;

import dev.sluice.model.Tier;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.ops.OpsSettings;
import java.nio.file.Path;

/** router-stream's configuration; see the module README for every key and its default. */
public record RouterConfig(
        KafkaSettings kafka,
        String applicationId,
        Path stateDir,
        int streamThreads,
        Tier defaultTier,
        Path modelCatalogue,
        boolean createTopics,
        OpsSettings ops) {

    public static final int DEFAULT_OPS_PORT = 9401;

    public static RouterConfig read(Settings s) {
        KafkaSettings kafka = KafkaSettings.read(s);
        Tier defaultTier = s.enumValue("router.default.tier", Tier.class, Tier.MEDIUM);
        if (defaultTier == Tier.AUTO) {
            s.problem("router.default.tier must be SMALL, MEDIUM or LARGE, not AUTO");
        }
        return new RouterConfig(
                kafka,
                s.string("router.application.id", kafka.groupId("sluice-router")),
                s.path("router.state.dir", Path.of("state", "router")),
                s.intValue("router.stream.threads", 1, 1, 64),
                defaultTier,
                s.path("models.file", null),
                s.bool("topics.create", true),
                OpsSettings.read(s, DEFAULT_OPS_PORT));
    }
}
