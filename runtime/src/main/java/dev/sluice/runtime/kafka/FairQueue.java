package dev.sluice.runtime.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Items waiting to run, taken out in strict priority order and, within a priority, in weighted
 * fair shares across flows (tenants). Fairness is stride scheduling: a flow's pass grows by
 * {@code 1 / weight} for every item it gets, the flow with the lowest pass goes next, and a flow
 * that was idle restarts at the pass of the most recent item, so idling earns no credit. Over any
 * stretch where flows A and B both have items waiting, they get items in the ratio of their weights
 * to within one item each, however many items either has queued.
 *
 * <p>A {@link Gate} may hold a flow back (its tenant is over its plan's rate): the next flow in
 * order goes instead, and the held flow keeps its place for when the gate lets it through.
 *
 * <p>Each priority keeps a count of the bytes it holds, so callers can bound memory per priority.
 * Thread-safe: every method takes the queue's lock.
 */
public final class FairQueue<E> {
    /** Whether a flow's next item, of the given cost, may start now; if so, the gate counts it. */
    @FunctionalInterface
    public interface Gate {
        Gate OPEN = (flow, cost) -> true;

        boolean tryStart(String flow, long cost);
    }

    private final Gate gate;
    /** Highest priority first: 0 before 1 before 2. */
    private final Level<E>[] levels;

    public FairQueue(int priorities) {
        this(priorities, Gate.OPEN);
    }

    @SuppressWarnings("unchecked")
    public FairQueue(int priorities, Gate gate) {
        this.gate = gate;
        if (priorities < 1) {
            throw new IllegalArgumentException("priorities must be at least 1");
        }
        levels = new Level[priorities];
        for (int i = 0; i < priorities; i++) {
            levels[i] = new Level<>();
        }
    }

    public synchronized void add(Lane lane, E item, long bytes) {
        levels[checked(lane.priority())].add(lane.flow(), Math.max(1, lane.weight()), item, bytes, lane.cost());
    }

    /** The next item, or null when nothing waits or every waiting flow is held back by the gate. */
    public synchronized E poll() {
        for (Level<E> level : levels) {
            E item = level.poll(gate);
            if (item != null) {
                return item;
            }
        }
        return null;
    }

    public synchronized int size() {
        int n = 0;
        for (Level<E> level : levels) {
            n += level.size;
        }
        return n;
    }

    public synchronized long bytes(int priority) {
        return levels[checked(priority)].bytes;
    }

    /** Removes and returns every waiting item that matches, in no particular order. */
    public synchronized List<E> removeIf(Predicate<? super E> match) {
        List<E> removed = new ArrayList<>();
        for (Level<E> level : levels) {
            level.removeIf(match, removed);
        }
        return removed;
    }

    private int checked(int priority) {
        if (priority < 0 || priority >= levels.length) {
            throw new IllegalArgumentException("priority " + priority + " is outside 0.." + (levels.length - 1));
        }
        return priority;
    }

    private record Node<E>(E item, long bytes, long cost) {}

    private static final class Flow<E> {
        final String name;
        final long order;
        final ArrayDeque<Node<E>> items = new ArrayDeque<>();
        int weight;
        double pass;

        Flow(String name, long order) {
            this.name = name;
            this.order = order;
        }
    }

    private static final class Level<E> {
        /**
         * Every flow seen, active or idle, so a flow that just had its turn and comes back at
         * once is not served ahead of the others. As many as there are tenants.
         */
        final Map<String, Flow<E>> flows = new HashMap<>();
        /** Flows with items waiting, lowest pass first; ties go to the flow seen first. */
        final TreeSet<Flow<E>> active =
                new TreeSet<>(Comparator.<Flow<E>>comparingDouble(f -> f.pass).thenComparingLong(f -> f.order));

        double clock;
        long bytes;
        int size;
        long flowsSeen;

        void add(String name, int weight, E item, long itemBytes, long cost) {
            Flow<E> flow = flows.computeIfAbsent(name, n -> new Flow<>(n, flowsSeen++));
            if (flow.items.isEmpty()) {
                flow.weight = weight;
                flow.pass = Math.max(flow.pass, clock);
                active.add(flow);
            } else {
                flow.weight = weight;
            }
            flow.items.addLast(new Node<>(item, itemBytes, cost));
            bytes += itemBytes;
            size++;
        }

        E poll(Gate gate) {
            Flow<E> flow = null;
            for (Flow<E> candidate : active) {
                if (gate.tryStart(candidate.name, candidate.items.peekFirst().cost())) {
                    flow = candidate;
                    break;
                }
            }
            if (flow == null) {
                return null;
            }
            active.remove(flow);
            Node<E> node = flow.items.pollFirst();
            clock = flow.pass;
            flow.pass += 1.0 / flow.weight;
            if (!flow.items.isEmpty()) {
                active.add(flow);
            }
            bytes -= node.bytes();
            size--;
            return node.item();
        }

        void removeIf(Predicate<? super E> match, List<E> removed) {
            for (Iterator<Flow<E>> it = active.iterator(); it.hasNext(); ) {
                Flow<E> flow = it.next();
                for (Iterator<Node<E>> nodes = flow.items.iterator(); nodes.hasNext(); ) {
                    Node<E> node = nodes.next();
                    if (match.test(node.item())) {
                        nodes.remove();
                        removed.add(node.item());
                        bytes -= node.bytes();
                        size--;
                    }
                }
                if (flow.items.isEmpty()) {
                    it.remove();
                }
            }
        }
    }
}
