package dev.sluice.model;

/** Author of a chat message. */
public enum Role {
    SYSTEM,
    USER,
    ASSISTANT
}
