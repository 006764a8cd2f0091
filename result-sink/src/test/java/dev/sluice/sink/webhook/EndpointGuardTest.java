package dev.sluice.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which webhook endpoints the dispatcher refuses to call. */
class EndpointGuardTest {
    /** Names with fixed answers, as a DNS server would give them. */
    private static final Map<String, String> ZONE = Map.of(
            "hooks.acme.example", "93.184.216.34",
            "internal.acme.example", "10.1.2.3",
            "sneaky.example", "169.254.169.254",
            "v6-private.example", "fd12:3456::1",
            "mixed.example", "93.184.216.34");

    private static InetAddress[] resolve(String host) throws UnknownHostException {
        if (host.equals("mixed.example")) {
            return new InetAddress[] {InetAddress.getByName("93.184.216.34"), InetAddress.getByName("192.168.7.7")};
        }
        String ip = ZONE.get(host);
        if (ip != null) {
            return new InetAddress[] {InetAddress.getByName(ip)};
        }
        if (host.matches("[0-9.]+") || host.contains(":")) {
            return new InetAddress[] {InetAddress.getByName(host)};
        }
        throw new UnknownHostException(host);
    }

    private final EndpointGuard guard = new EndpointGuard(List.of(), EndpointGuardTest::resolve);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1/hook",
                "https://10.0.0.1/hook",
                "http://192.168.1.1:8080/x",
                "http://169.254.169.254/latest/meta-data/",
                "http://[::1]:9000/hook",
                "http://[fe80::1]/x",
                "http://[fd00:ec2::254]/x",
                "http://172.20.0.5/x",
                "http://100.64.1.1/x",
                "http://0.0.0.0/x",
                "http://[::ffff:10.0.0.1]/x",
                "http://[64:ff9b::a00:1]/x",
                "http://[2002:c0a8:101::1]/x",
                "http://internal.acme.example/hook",
                "http://sneaky.example/x",
                "http://v6-private.example/x",
                "http://mixed.example/x"
            })
    void shouldRefuseEndpointsThatAreNotPublic(String endpoint) {
        assertThat(guard.refusal(endpoint))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains(endpoint)
                        .contains("address")
                        .contains("webhooks.allowed.hosts"));
    }

    @Test
    void shouldSayWhichAddressAndWhatKindItIs() {
        assertThat(guard.refusal("http://internal.acme.example/hook"))
                .hasValueSatisfying(r -> assertThat(r).contains("10.1.2.3").contains("private"));
        assertThat(guard.refusal("http://169.254.169.254/"))
                .hasValueSatisfying(r -> assertThat(r).contains("cloud metadata"));
        assertThat(guard.refusal("http://[::1]/"))
                .hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    }

    @Test
    void shouldLetPublicEndpointsAndUnresolvableNamesThrough() {
        assertThat(guard.refusal("https://hooks.acme.example/sluice")).isEmpty();
        assertThat(guard.refusal("https://93.184.216.34/x")).isEmpty();
        assertThat(guard.refusal("https://[2606:2800:220:1::248]/x")).isEmpty();
        // An unknown name fails its delivery like any unreachable endpoint, and is retried.
        assertThat(guard.refusal("https://nowhere.invalid/x")).isEmpty();
    }

    @Test
    void shouldRefuseWhatIsNotHttp() {
        assertThat(guard.refusal("ftp://hooks.acme.example/x"))
                .hasValueSatisfying(r -> assertThat(r).contains("not http or https"));
        assertThat(guard.refusal("file:///etc/passwd")).isPresent();
        assertThat(guard.refusal("not a url")).isPresent();
    }

    @Test
    void shouldAllowWhatTheOperatorAllowListsByNameAddressOrNetwork() {
        EndpointGuard allowing = new EndpointGuard(
                List.of("127.0.0.1", "internal.acme.example", "fd12::/16", " 192.168.0.0/16 "),
                EndpointGuardTest::resolve);

        assertThat(allowing.refusal("http://127.0.0.1:8080/hook")).isEmpty();
        assertThat(allowing.refusal("http://INTERNAL.acme.example/hook")).isEmpty();
        assertThat(allowing.refusal("http://v6-private.example/x")).isEmpty();
        assertThat(allowing.refusal("http://mixed.example/x")).isEmpty();
        assertThat(allowing.refusal("http://127.0.0.2/hook")).isPresent();
        assertThat(allowing.refusal("http://10.0.0.1/hook")).isPresent();
    }

    @Test
    void shouldRejectAMalformedAllowListEntry() {
        assertThatThrownBy(() -> new EndpointGuard(List.of("10.0.0.0/33"), EndpointGuardTest::resolve))
                .hasMessageContaining("10.0.0.0/33");
    }

    @Test
    void shouldResolveRealNamesWithTheSystemResolver() {
        assertThat(new EndpointGuard(List.of(), EndpointGuard.DNS).refusal("http://localhost:9000/x"))
                .hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    }
}
