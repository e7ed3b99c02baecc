package dev.osprey.serving;

import java.util.Optional;

/** A model ready to score, whatever its flavor. */
public interface LoadedModel extends AutoCloseable {
    /** The flavor serving it. */
    String flavor();

    Optional<Signature> signature();

    /**
     * Predictions for an input already conformed to the signature.
     *
     * @throws ScoringException for input this flavor cannot take (a tensor payload for a table model)
     * @throws Exception the model's own failure
     */
    Object predict(ScoringInput input) throws Exception;

    @Override
    default void close() {}
}
