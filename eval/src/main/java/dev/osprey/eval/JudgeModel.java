package dev.osprey.eval;

/** The model a judge asks: one system and one user message in, the reply's text out. */
public interface JudgeModel {

    /** A name for feedback sources and errors (e.g. "openai:/gpt-4o-mini" or "gateway:/judge"). */
    String name();

    /**
     * The model's reply.
     *
     * @throws JudgeModelException when the model cannot be reached or refuses; the judge retries and then reports
     *     the error on its feedback
     */
    String complete(String system, String user);

    /** A failed call to the judge's model. */
    final class JudgeModelException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        public JudgeModelException(String message, boolean retryable) {
            super(message, null, false, false);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }
}
