package dev.sluice.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether anything listens at the bootstrap servers, asked with a plain TCP connect before a Kafka
 * client would wait out its own timeouts (10 to 40 s) to say the same. Used by every operator
 * command that talks to a running Kafka.
 */
public final class BrokerProbe {
    /** How long one address may take to accept a connection. */
    static final int CONNECT_MILLIS = 2_000;

    private BrokerProbe() {}

    /**
     * Returns when one of the bootstrap servers ({@code host:port}, comma-separated, a
     * {@code SASL_SSL://} style prefix allowed) accepts a TCP connection; otherwise fails with
     * each address and why, in a sentence a user can act on.
     */
    public static void check(String bootstrap) {
        List<String> failures = new ArrayList<>();
        for (String server : bootstrap.split(",")) {
            String address = server.strip().replaceFirst("^[A-Za-z_]+://", "");
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                failures.add(server.strip() + " (not host:port)");
                continue;
            }
            String host = address.substring(0, colon).replace("[", "").replace("]", "");
            try (Socket socket = new Socket()) {
                socket.connect(
                        new InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1))), CONNECT_MILLIS);
                return;
            } catch (IOException | IllegalArgumentException e) {
                failures.add(server.strip() + " ("
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        throw new IllegalStateException("cannot reach Kafka at " + String.join(", ", failures)
                + "; is `./sluice up` running? Set --bootstrap-servers otherwise");
    }
}
