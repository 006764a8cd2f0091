package dev.sluice.router.semantic;

/**
 * A request's side of a semantic lookup, made before the tenant's decisions are (see
 * {@link SemanticCache#query}).
 *
 * @param tenantId   whose request it is
 * @param scope      what must be equal for two requests to share an answer at all (see {@link SemanticEntry})
 * @param text       the task text, embedded
 * @param vector     its embedding
 * @param threshold  the tenant's similarity threshold
 * @param embedNanos how long the deciding thread spent on the embedding (making it, or waiting for it), for the metrics
 * @param ahead      whether the embedding was made ahead ({@link EmbedAhead}) rather than by the deciding thread
 */
public record SemanticQuery(
        String tenantId, String scope, String text, float[] vector, double threshold, long embedNanos, boolean ahead) {}
