package dev.osprey.search;

/** An identifier split at its first dot: {@code prefix} is empty for a bare attribute name. */
public record Identifier(String prefix, String key) {}
