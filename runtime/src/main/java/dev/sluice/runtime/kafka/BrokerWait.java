package dev.sluice.runtime.kafka;

import dev.sluice.runtime.ops.Health;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's first step at start: wait until Kafka answers, saying so in one line every few
 * seconds, instead of failing with a stack trace or leaving the Kafka clients to log connection
 * warnings. Meanwhile the service lives ({@link #health()} is UP with what it waits for) and is
 * not ready. The wait has no deadline: a broker that comes back later is found, and an
 * orchestrator sees a live, unready instance rather than one that restarts in a loop.
 *
 * <p>Each try first opens a TCP connection to the bootstrap addresses, which tells "connection
 * refused" from an unknown host or silence, then asks the cluster for its brokers, which tells a
 * Kafka broker that answers (with these client settings: security included) from anything else.
 */
public final class BrokerWait implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerWait.class);
    static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private final String service;
    private final String bootstrap;
    private final Map<String, Object> adminProps;
    private final Duration interval;
    private final Consumer<String> report;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile String waitingFor;

    public BrokerWait(String service, KafkaSettings kafka) {
        this(service, kafka.common(), INTERVAL, log::warn);
    }

    BrokerWait(String service, Map<String, Object> clientProps, Duration interval, Consumer<String> report) {
        this.service = service;
        this.bootstrap = String.valueOf(clientProps.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.interval = interval;
        this.report = report;
        Map<String, Object> props = new HashMap<>(clientProps);
        int timeout = (int) Math.max(1_000, interval.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        // The client's own warning per failed connection would come every second otherwise.
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, timeout);
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, service + "-broker-wait");
        this.adminProps = props;
    }

    /**
     * Blocks until the cluster answers; false when {@link #close()} or an interrupt came first (the
     * service is stopping and must not start; the interrupt flag is kept).
     */
    public boolean await() {
        Instant since = Instant.now();
        int failures = 0;
        Admin admin = null;
        try {
            while (closed.getCount() > 0) {
                String problem = unreachable();
                if (problem == null) {
                    admin = admin == null ? Admin.create(adminProps) : admin;
                    problem = unanswered(admin);
                }
                if (problem == null) {
                    waitingFor = null;
                    if (failures > 0) {
                        log.info(
                                "{}: reached Kafka at {} after {} s",
                                service,
                                bootstrap,
                                Duration.between(since, Instant.now()).toSeconds());
                    }
                    return true;
                }
                failures++;
                waitingFor = "waiting for Kafka at " + bootstrap + " since " + since.truncatedTo(ChronoUnit.SECONDS)
                        + ": " + problem;
                report.accept(service + ": cannot reach Kafka at " + bootstrap + " (" + problem + "); retrying in "
                        + words(interval));
                if (closed.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
        }
    }

    /** UP, saying what it waits for, while it waits; empty before and after. */
    public Optional<Health> health() {
        String detail = waitingFor;
        return detail == null ? Optional.empty() : Optional.of(Health.up(Map.of("kafka", detail)));
    }

    /** Ends a wait in progress, which then returns false. */
    @Override
    public void close() {
        closed.countDown();
    }

    /** Why no bootstrap address takes a TCP connection, or null when one does. */
    private String unreachable() {
        String[] addresses = bootstrap.split(",");
        List<String> problems = new ArrayList<>();
        for (String address : addresses) {
            String a = address.strip();
            String problem = connect(a);
            if (problem == null) {
                return null;
            }
            problems.add(addresses.length == 1 ? problem : a + ": " + problem);
        }
        return String.join("; ", problems);
    }

    private static String connect(String address) {
        String host = Utils.getHost(address);
        Integer port = Utils.getPort(address);
        if (host == null || port == null) {
            return "'" + address + "' is not host:port";
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            return null;
        } catch (ConnectException e) {
            return "connection refused";
        } catch (UnknownHostException e) {
            return "unknown host " + host;
        } catch (SocketTimeoutException e) {
            return "no answer within " + CONNECT_TIMEOUT_MS / 1000 + " s";
        } catch (NoRouteToHostException e) {
            return "no route to host";
        } catch (IOException | IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Why the cluster did not say which brokers it has, or null when it did. */
    private String unanswered(Admin admin) throws InterruptedException {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) Math.max(1_000, interval.toMillis())))
                    .nodes()
                    .get(interval.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return "the broker answers TCP but not as Kafka with these client settings: "
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        } catch (TimeoutException e) {
            return "the broker answers TCP but gave no cluster metadata within " + words(interval);
        }
    }

    private static String words(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
