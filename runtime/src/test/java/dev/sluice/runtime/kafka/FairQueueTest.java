package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairQueueTest {
    private static final int HIGH = 0;
    private static final int NORMAL = 1;
    private static final int LOW = 2;

    private final FairQueue<String> queue = new FairQueue<>(3);

    private void add(int priority, String tenant, int weight, int count) {
        for (int i = 0; i < count; i++) {
            queue.add(new Lane(priority, tenant, weight), tenant + "-" + i, 100);
        }
    }

    private List<String> poll(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(queue.poll());
        }
        return out;
    }

    private static long countOf(List<String> items, String tenant) {
        return items.stream().filter(s -> s.startsWith(tenant + "-")).count();
    }

    @Test
    void shouldNotLetAFloodingTenantHoldBackAnotherTenantsFewJobs() {
        add(NORMAL, "flood", 1, 10_000);
        add(NORMAL, "small", 1, 10);

        List<String> first20 = poll(20);

        // Equal weights: the ten small jobs come out alternating with the flood, not after it.
        assertThat(countOf(first20, "small")).isEqualTo(10);
        assertThat(first20).startsWith("flood-0", "small-0", "flood-1", "small-1");
        assertThat(poll(5)).containsExactly("flood-10", "flood-11", "flood-12", "flood-13", "flood-14");
    }

    @Test
    void shouldShareInProportionToWeights() {
        add(NORMAL, "gold", 3, 1_000);
        add(NORMAL, "basic", 1, 1_000);
        add(NORMAL, "free", 1, 1_000);

        List<String> first500 = poll(500);

        assertThat(countOf(first500, "gold")).isBetween(299L, 301L);
        assertThat(countOf(first500, "basic")).isBetween(99L, 101L);
        assertThat(countOf(first500, "free")).isBetween(99L, 101L);
        // Within a tenant the order is the order of arrival.
        assertThat(first500.stream().filter(s -> s.startsWith("gold-")).limit(3))
                .containsExactly("gold-0", "gold-1", "gold-2");
    }

    @Test
    void shouldServeHighBeforeNormalBeforeLowWhateverTheOrderOfArrival() {
        add(LOW, "a", 1, 3);
        add(NORMAL, "a", 1, 3);
        add(NORMAL, "b", 5, 3);
        add(HIGH, "c", 1, 2);

        List<String> order = poll(11);

        assertThat(order.subList(0, 2)).containsExactly("c-0", "c-1");
        assertThat(order.subList(2, 8)).containsExactlyInAnyOrder("a-0", "a-1", "a-2", "b-0", "b-1", "b-2");
        assertThat(order.subList(8, 11)).containsExactly("a-0", "a-1", "a-2");
        assertThat(queue.poll()).isNull();
    }

    @Test
    void shouldGiveATenantThatWasIdleNoCreditForHavingWaited() {
        add(NORMAL, "busy", 1, 300);
        poll(100);
        add(NORMAL, "late", 1, 100);

        List<String> next = poll(20);

        // The late tenant starts level with the busy one: alternating, not 100 in a row.
        assertThat(countOf(next, "late")).isEqualTo(10);
        assertThat(countOf(next, "busy")).isEqualTo(10);
    }

    @Test
    void shouldNotServeATenantThatJustHadItsTurnAheadOfTheOthersWhenItComesBack() {
        add(NORMAL, "a", 1, 1);
        add(NORMAL, "b", 1, 50);
        assertThat(poll(1)).containsExactly("a-0");

        add(NORMAL, "a", 1, 1);

        // a's pass moved on when it was served; b, never served, goes first.
        assertThat(poll(2)).containsExactly("b-0", "a-0");
    }

    @Test
    void shouldPassOverAFlowTheGateHoldsBackAndServeItOnceItMayGoAgain() {
        java.util.Map<String, Integer> allowance = new java.util.HashMap<>(java.util.Map.of("capped", 2));
        java.util.List<Long> costs = new ArrayList<>();
        FairQueue<String> gated = new FairQueue<>(1, (flow, cost) -> {
            if (!flow.equals("capped")) {
                return true;
            }
            costs.add(cost);
            int left = allowance.get(flow);
            if (left == 0) {
                return false;
            }
            allowance.put(flow, left - 1);
            return true;
        });
        for (int i = 0; i < 5; i++) {
            gated.add(new Lane(0, "capped", 1, 700), "capped-" + i, 10);
            gated.add(new Lane(0, "free", 1, 5), "free-" + i, 10);
        }

        List<String> order = new ArrayList<>();
        String next;
        while ((next = gated.poll()) != null) {
            order.add(next);
        }

        assertThat(order).containsExactly("capped-0", "free-0", "capped-1", "free-1", "free-2", "free-3", "free-4");
        assertThat(costs).allMatch(c -> c == 700);
        assertThat(gated.size()).isEqualTo(3);

        allowance.put("capped", 10);
        assertThat(gated.poll()).isEqualTo("capped-2");
    }

    @Test
    void shouldCountBytesPerPriorityAndGiveBackWhatIsRemoved() {
        add(HIGH, "a", 1, 2);
        add(LOW, "a", 1, 3);
        add(LOW, "b", 1, 1);
        assertThat(queue.bytes(HIGH)).isEqualTo(200);
        assertThat(queue.bytes(LOW)).isEqualTo(400);
        assertThat(queue.bytes(NORMAL)).isZero();

        List<String> removed = queue.removeIf(s -> s.startsWith("a-"));

        assertThat(removed).hasSize(5);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.bytes(HIGH)).isZero();
        assertThat(queue.bytes(LOW)).isEqualTo(100);
        assertThat(queue.poll()).isEqualTo("b-0");
        assertThat(queue.poll()).isNull();
    }

    @Test
    void shouldRefuseAPriorityItWasNotMadeFor() {
        assertThatThrownBy(() -> queue.add(new Lane(3, "a", 1), "x", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("priority 3 is outside 0..2");
    }
}
