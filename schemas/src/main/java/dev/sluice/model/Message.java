package dev.sluice.model;

import java.util.Objects;

/** One chat message; {@code cacheable} marks a stable prefix worth a prompt-cache breakpoint. */
public record Message(Role role, String content, boolean cacheable) {
    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static Message user(String content) {
        return new Message(Role.USER, content, false);
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content, false);
    }
}
