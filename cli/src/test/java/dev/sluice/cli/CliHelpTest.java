package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a new user meets first: help, a mistyped command, the simulator's options, no Kafka running. */
class CliHelpTest {

    @Test
    void shouldShowEveryCommandAndTheScriptsOwnOnHelpOrNoCommand() {
        for (String[] args : new String[][] {{}, {"help"}, {"--help"}}) {
            CliRun run = CliRun.run(new Main(), args);
            assertThat(run.exit()).as(String.join(" ", args)).isZero();
            assertThat(run.out())
                    .as(String.join(" ", args))
                    .contains(
                            "demo",
                            "eval",
                            "experiments",
                            "sim",
                            "test         Every unit and integration test",
                            "build        Build without running anything");
        }
        CliRun one = CliRun.run(new Main(), "help", "eval");
        assertThat(one.exit()).isZero();
        assertThat(one.out()).contains("--min-pass", "--models");
    }

    @Test
    void shouldSuggestTheCommandAMistypedOneMeant() {
        CliRun run = CliRun.run(new Main(), "demoo");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Unmatched argument at index 0: 'demoo'", "Did you mean: sluice demo?");
    }

    @Test
    void shouldSayAtOnceThatNothingListensWhereKafkaShouldBe() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        for (String[] command : new String[][] {
            {"lag"},
            {"jobs", "show", "x"},
            {"tenants", "list"},
            {"dlq", "list"},
            {"batches"},
            {"eval", "compare", "x"},
            {"experiments", "report", "x", "--tenant", "t"}
        }) {
            String[] args = java.util.stream.Stream.concat(
                            java.util.Arrays.stream(command),
                            java.util.stream.Stream.of("--bootstrap-servers", "127.0.0.1:" + closed))
                    .toArray(String[]::new);
            CliRun run = CliRun.run(new Main(), args);
            // The probe's words (a refused connection), not a Kafka client's timeout after 10 to 40 s.
            assertThat(run.exit()).as(String.join(" ", command)).isEqualTo(2);
            assertThat(run.err())
                    .as(String.join(" ", command))
                    .contains(
                            "sluice: cannot reach Kafka at 127.0.0.1:" + closed + " (Connection refused)",
                            "is `./sluice up` running?");
        }
    }

    @Test
    void shouldPassTheProbeWhenAnyBootstrapServerListens() throws Exception {
        try (java.net.ServerSocket listening = new java.net.ServerSocket(0)) {
            BrokerProbe.check("127.0.0.1:1," + "SASL_SSL://127.0.0.1:" + listening.getLocalPort());
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerProbe.check("nohostport"))
                .hasMessageContaining("nohostport (not host:port)");
    }

    @Test
    void shouldShowTheSimulatorsOptionsWithTheDefaultPortSluiceSimUsesAndExitZero() {
        CliRun run = CliRun.run(new Main(), "sim", "--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out())
                .contains(
                        "Usage: sluice sim [options]",
                        "--port PORT              port, 0 = any free port" + " (default " + SimCommand.DEFAULT_PORT
                                + ")",
                        "--latency-ms N");
        assertThat(CliRun.run(new Main(), "sim", "-h").exit()).isZero();
    }
}
