package dev.osprey.eval;

import java.util.List;

/** Turns texts into vectors, for an aligned judge to find the labelled examples most like what it judges. */
public interface Embedder {

    /** The model URI, as MLflow records it ({@code openai:/text-embedding-3-small}, {@code gateway:/embed}). */
    String name();

    /**
     * One vector per text, in order.
     *
     * @throws JudgeModel.JudgeModelException when the model cannot be reached or refuses
     */
    List<float[]> embed(List<String> texts);
}
