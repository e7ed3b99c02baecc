package dev.osprey.search;

import java.math.BigDecimal;
import java.util.List;

/** The right-hand side of a clause as written: a quoted string, a number or a parenthesised list of strings. */
public sealed interface Value {
    record Text(String text) implements Value {}

    record Number(BigDecimal number) implements Value {}

    record TextList(List<String> items) implements Value {
        public TextList {
            items = List.copyOf(items);
        }
    }
}
