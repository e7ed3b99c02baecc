package dev.osprey.search;

/** Comparison operators of the filter grammar. */
public enum Comparator {
    EQ("="), NE("!="), GT(">"), GE(">="), LT("<"), LE("<="), LIKE("LIKE"), ILIKE("ILIKE"), IN("IN"), NOT_IN("NOT IN");

    private final String symbol;

    Comparator(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    public boolean isNumeric() {
        return this == EQ || this == NE || this == GT || this == GE || this == LT || this == LE;
    }

    public boolean isString() {
        return this == EQ || this == NE || this == LIKE || this == ILIKE;
    }

    public boolean isList() {
        return this == IN || this == NOT_IN;
    }

    @Override
    public String toString() {
        return symbol;
    }
}
