package dev.sluice.worker.provider;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The provider adapters this worker has, by catalogue provider name. */
public final class Providers {
    private final Map<String, ChatProvider> byName = new LinkedHashMap<>();

    public Providers add(ChatProvider provider) {
        byName.put(provider.name(), provider);
        return this;
    }

    public Optional<ChatProvider> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public java.util.Set<String> names() {
        return byName.keySet();
    }

    /** Closes every adapter's connections. */
    public void close() {
        byName.values().forEach(ChatProvider::close);
    }
}
