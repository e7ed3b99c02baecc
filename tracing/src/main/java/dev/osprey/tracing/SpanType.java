package dev.osprey.tracing;

/** MLflow's span types (attribute {@code mlflow.spanType}); the UI picks icons and renderers by them. */
public enum SpanType {
    LLM, CHAT_MODEL, CHAIN, AGENT, TOOL, RETRIEVER, EMBEDDING, RERANKER, PARSER, MEMORY, UNKNOWN
}
