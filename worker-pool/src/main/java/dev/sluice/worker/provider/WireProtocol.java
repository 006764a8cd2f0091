package dev.sluice.worker.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;

/**
 * What one provider's API is on the wire, shared by its chat adapter and its batch adapter: how a
 * request says who calls (key, API version), and how an answer reads (an error with its
 * retryability, Retry-After and rate limits; a reply with its usage). The adapters then only
 * say where to send what, so a batch call's error reads as a chat call's does: same provider,
 * same key, same limits.
 */
interface WireProtocol {
    /** The catalogue provider name, which every error message starts with. */
    String name();

    /** A request to {@code uri} that says who calls; a server that needs no key gets none. */
    ProviderHttp.Request request(URI uri);

    /** A non-2xx answer as the ProviderException the retry, breaker and rate limiter read. */
    ProviderException error(ProviderHttp.Answer response);

    /** A 2xx answer to a chat call: the text, usage, request id and the key's rate limits. */
    ProviderReply reply(ProviderHttp.Answer response) throws ProviderException;

    default ProviderHttp.Request request(String url) {
        return request(URI.create(url));
    }

    /** The answer when it is a 2xx; otherwise the error it carries. */
    default ProviderHttp.Answer ok(ProviderHttp.Answer response) throws ProviderException {
        if (response.statusCode() / 100 != 2) {
            throw error(response);
        }
        return response;
    }

    /** A 2xx answer's body as JSON; otherwise the error it carries. */
    default JsonNode json(ProviderHttp.Answer response) throws ProviderException {
        return ProviderHttp.json(name(), response.statusCode(), ok(response).body());
    }
}
