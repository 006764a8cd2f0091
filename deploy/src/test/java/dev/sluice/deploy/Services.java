package dev.sluice.deploy;

import dev.sluice.ingest.IngestConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.runtime.config.Settings;
import dev.sluice.sink.SinkConfig;
import dev.sluice.worker.WorkerConfig;
import java.util.Map;
import java.util.function.Function;

/** The four services as the deployment material names them (container and image names). */
final class Services {
    /** Each service's own configuration reader, which refuses what the service would at start. */
    static final Map<String, Function<Settings, ?>> READERS = Map.of(
            "router-stream", RouterConfig::read,
            "worker-pool", WorkerConfig::read,
            "result-sink", SinkConfig::read,
            "ingest-service", IngestConfig::read);

    /** Each service's default ops port: /health, /ready, /metrics. */
    static final Map<String, Integer> OPS_PORTS = Map.of(
            "router-stream", RouterConfig.DEFAULT_OPS_PORT,
            "worker-pool", WorkerConfig.DEFAULT_OPS_PORT,
            "result-sink", SinkConfig.DEFAULT_OPS_PORT,
            "ingest-service", IngestConfig.DEFAULT_OPS_PORT);

    private Services() {}
}
