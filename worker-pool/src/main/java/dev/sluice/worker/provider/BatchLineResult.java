package dev.sluice.worker.provider;

/**
 * One line of an ended batch: an answer ({@code reply}), an error ({@code error}, with the
 * status and retryability a synchronous call would have had), or a line the provider never ran.
 */
public record BatchLineResult(String customId, Kind kind, ProviderReply reply, ProviderException error) {
    public enum Kind {
        SUCCEEDED,
        ERRORED,
        EXPIRED,
        CANCELED
    }

    public static BatchLineResult succeeded(String customId, ProviderReply reply) {
        return new BatchLineResult(customId, Kind.SUCCEEDED, reply, null);
    }

    public static BatchLineResult errored(String customId, ProviderException error) {
        return new BatchLineResult(customId, Kind.ERRORED, null, error);
    }

    public static BatchLineResult notRun(String customId, Kind kind) {
        return new BatchLineResult(customId, kind, null, null);
    }
}
