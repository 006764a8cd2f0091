package dev.sluice.sink.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses webhook endpoints that are not on the public internet (server-side request forgery):
 * an endpoint whose host is, or resolves to, a loopback, private (RFC 1918, IPv6 unique-local),
 * link-local, shared (carrier-grade NAT), unspecified, multicast, reserved or cloud-metadata
 * address, in IPv4 or IPv6, IPv4 addresses inside IPv6 (mapped, NAT64, 6to4) included. The
 * operator may allow hosts by name, addresses, or networks in CIDR form
 * ({@code webhooks.allowed.hosts}).
 *
 * <p>The check runs right before each try. The HTTP client resolves the name again when it
 * connects, so a name whose DNS answer changes in between (rebinding) is not caught; only a
 * resolving proxy in front of the dispatcher would close that gap.
 */
public final class EndpointGuard {
    /** Name resolution; tests give names their own answers. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public static final Resolver DNS = InetAddress::getAllByName;

    /** A network in CIDR form. */
    private record Network(byte[] prefix, int bits) {
        static Network parse(String cidr) {
            int slash = cidr.indexOf('/');
            InetAddress address = literal(slash < 0 ? cidr : cidr.substring(0, slash));
            int length = address.getAddress().length * 8;
            int bits = slash < 0 ? length : Integer.parseInt(cidr.substring(slash + 1));
            if (bits < 0 || bits > length) {
                throw new IllegalArgumentException(cidr + ": a prefix length must be 0 to " + length);
            }
            return new Network(address.getAddress(), bits);
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != prefix.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (prefix[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final List<Named> BLOCKED = List.of(
            named("cloud metadata", "169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32"),
            named("unspecified", "0.0.0.0/8", "::/128"),
            named("loopback", "127.0.0.0/8", "::1/128"),
            named("private", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10"),
            named("shared (carrier-grade NAT)", "100.64.0.0/10"),
            named("link-local", "169.254.0.0/16", "fe80::/10"),
            named("reserved", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4"),
            named("multicast", "224.0.0.0/4", "ff00::/8"));

    private record Named(String kind, List<Network> networks) {}

    private static Named named(String kind, String... cidrs) {
        List<Network> networks = new ArrayList<>();
        for (String c : cidrs) {
            networks.add(Network.parse(c));
        }
        return new Named(kind, List.copyOf(networks));
    }

    private final Set<String> allowedHosts = new TreeSet<>();
    private final List<Network> allowedNetworks = new ArrayList<>();
    private final Resolver resolver;

    /**
     * @param allowed host names, addresses and CIDR networks that may be delivered to although
     *     they are not public; a malformed entry is an IllegalArgumentException naming it
     */
    public EndpointGuard(List<String> allowed, Resolver resolver) {
        this.resolver = resolver;
        for (String entry : allowed) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.contains("/") || isLiteral(e)) {
                allowedNetworks.add(Network.parse(e));
            } else {
                allowedHosts.add(e);
            }
        }
    }

    /** Why the endpoint may not be called, or empty when it may. */
    public Optional<String> refusal(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            return Optional.of("endpoint is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("endpoint " + endpoint + " is not http or https");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return Optional.of("endpoint " + endpoint + " has no host");
        }
        host = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            // Not refused: the try fails as any unreachable endpoint does, and is retried.
            return Optional.empty();
        }
        for (InetAddress address : addresses) {
            if (allowedNetworks.stream().anyMatch(n -> n.contains(address))) {
                continue;
            }
            String kind = kind(address);
            if (kind != null) {
                return Optional.of("endpoint " + endpoint + " resolves to " + address.getHostAddress() + ", a " + kind
                        + " address; deliveries go to public addresses only, unless webhooks.allowed.hosts lists"
                        + " this host or network");
            }
        }
        return Optional.empty();
    }

    /** What kind of non-public address this is, or null for a public one. */
    static String kind(InetAddress address) {
        InetAddress a = embeddedIpv4(address).orElse(address);
        for (Named named : BLOCKED) {
            if (named.networks().stream().anyMatch(n -> n.contains(a))) {
                return named.kind();
            }
        }
        return null;
    }

    /** The IPv4 address inside an IPv6 one: IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] b = address.getAddress();
        try {
            boolean zeros80 = allZero(b, 0, 10);
            if (zeros80
                    && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff)
                            || (b[10] == 0
                                    && b[11] == 0
                                    && !allZero(b, 12, 16)
                                    && !(allZero(b, 12, 15) && b[15] == 1)))) {
                return Optional.of(Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
            }
            if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b && allZero(b, 4, 12)) {
                return Optional.of(Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
            }
            if (b[0] == 0x20 && b[1] == 0x02) {
                return Optional.of(Inet4Address.getByAddress(new byte[] {b[2], b[3], b[4], b[5]}));
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
        return Optional.empty();
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLiteral(String s) {
        return s.matches("[0-9.]+") || s.contains(":");
    }

    private static InetAddress literal(String s) {
        if (!isLiteral(s)) {
            throw new IllegalArgumentException(s + " is not an IP address");
        }
        try {
            // A literal is parsed, never looked up.
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s + " is not an IP address", e);
        }
    }
}
