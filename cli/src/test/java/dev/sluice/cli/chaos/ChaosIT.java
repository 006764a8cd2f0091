package dev.sluice.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every part of the pipeline killed with SIGKILL under load and restarted at once, in turn, each a
 * separate process: router-stream, worker-pool, result-sink, ingest-service, then the broker. What
 * {@code sluice chaos} runs, on a shorter schedule. Services' logs go to the temporary directory.
 */
class ChaosIT {

    @Test
    void shouldEndEveryAcceptedJobInExactlyOneResultWhenEachPartIsKilledAndRestarted(@TempDir Path dir)
            throws Exception {
        // Given the stack as separate processes under 20 jobs/s, half over HTTP, half produced to llm.requests,
        // with a session timeout of 90 s: a successor that waited for the dead member's session would be
        // seen waiting at least 87 s (the last heartbeat is at most 3 s old at the kill)
        ChaosRun.Options options = new ChaosRun.Options(
                dir,
                20,
                Duration.ofSeconds(5),
                List.of(Target.ROUTER, Target.WORKER, Target.SINK, Target.INGEST, Target.BROKER),
                50,
                200,
                Map.of("kafka.client.session.timeout.ms", "90000"),
                Duration.ofSeconds(150),
                Duration.ofSeconds(180));

        // When each part is killed with SIGKILL and restarted at once, in turn, and the load then stops
        ChaosReport report = ChaosRun.run(options, line -> System.out.println("chaos: " + line));
        System.out.print(report.table());

        // Then every accepted job has exactly one result (read_committed), routed exactly once by the router
        ChaosReport.Totals t = report.totals();
        assertThat(t.accepted()).as("jobs accepted").isGreaterThan(200);
        assertThat(t.missing()).as("accepted jobs without a result").isZero();
        assertThat(t.duplicates()).as("accepted jobs with more than one result").isZero();
        assertThat(t.jobsNotOnce())
                .as("accepted jobs not on the job topics exactly once")
                .isZero();
        // and no provider call, nor completion, was repeated beyond the jobs in flight at the kills
        assertThat(t.providerCallsRepeated())
                .as("provider calls repeated")
                .isLessThanOrEqualTo(t.jobsInFlightAtKills());
        assertThat(t.completionsRepeated())
                .as("completions written again")
                .isLessThanOrEqualTo(t.jobsInFlightAtKills());
        assertThat(report.kills())
                .extracting(ChaosReport.Kill::target)
                .containsExactly(Target.ROUTER, Target.WORKER, Target.SINK, Target.INGEST, Target.BROKER);
        // and a restarted service takes its partitions back as the same static member, without waiting for
        // the dead member's session: 60 s is more than twice the slowest restart seen on a loaded machine
        assertThat(report.kills())
                .filteredOn(
                        k -> List.of(Target.ROUTER, Target.WORKER, Target.SINK).contains(k.target()))
                .allSatisfy(k -> assertThat(k.gapSeconds())
                        .as(
                                "seconds without results after killing %s",
                                k.target().label())
                        .isLessThan(60));
    }
}
