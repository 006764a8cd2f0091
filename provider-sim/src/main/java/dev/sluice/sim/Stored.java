package dev.sluice.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Batches or files by id, in creation order, in memory only: a restarted simulator has none.
 * Lists are newest first, as both providers list them.
 */
final class Stored<T> {

    private final Map<String, T> byId = new LinkedHashMap<>();
    private final Function<T, String> id;

    Stored(Function<T, String> id) {
        this.id = id;
    }

    synchronized void add(T value) {
        byId.put(id.apply(value), value);
    }

    synchronized T get(String key) {
        return byId.get(key);
    }

    synchronized T remove(String key) {
        return byId.remove(key);
    }

    synchronized List<T> newestFirst() {
        List<T> all = new ArrayList<>(byId.values());
        java.util.Collections.reverse(all);
        return all;
    }

    /**
     * One page of {@link #newestFirst()}: up to {@code limit} items after the one with id
     * {@code afterId} (older), or before the one with id {@code beforeId} (newer); null when a
     * cursor names no stored item.
     */
    synchronized Page<T> page(String afterId, String beforeId, int limit) {
        List<T> all = newestFirst();
        int from = 0;
        int to = all.size();
        if (afterId != null) {
            int at = indexOf(all, afterId);
            if (at < 0) {
                return null;
            }
            from = at + 1;
        } else if (beforeId != null) {
            int at = indexOf(all, beforeId);
            if (at < 0) {
                return null;
            }
            to = at;
            from = Math.max(0, to - limit);
            return new Page<>(List.copyOf(all.subList(from, to)), from > 0);
        }
        int end = Math.min(to, from + limit);
        return new Page<>(List.copyOf(all.subList(from, end)), end < to);
    }

    record Page<T>(List<T> items, boolean hasMore) {}

    private int indexOf(List<T> all, String key) {
        for (int i = 0; i < all.size(); i++) {
            if (id.apply(all.get(i)).equals(key)) {
                return i;
            }
        }
        return -1;
    }
}
