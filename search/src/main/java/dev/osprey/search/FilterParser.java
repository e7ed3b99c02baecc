package dev.osprey.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses a filter string into clauses joined by AND; entity rules are applied by the per-entity parsers. */
public final class FilterParser {
    private FilterParser() {}

    public static List<Clause> parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return List.of();
        }
        rejectMultipleStatements(filter);
        Lexer lexer = new Lexer(filter);
        List<Clause> clauses = new ArrayList<>();
        while (true) {
            Identifier id = lexer.identifier();
            if (id.prefix().isEmpty() && isKeyword(id.key())) {
                throw invalidClause(filter);
            }
            Comparator comparator = lexer.comparator();
            Value value = lexer.value();
            if (comparator.isList() != (value instanceof Value.TextList)) {
                throw new SearchSyntaxException(comparator.isList()
                        ? "Expected a list of quoted strings after " + comparator + " in filter string: " + filter
                        : "Invalid filter string: a list value requires IN or NOT IN: " + filter);
            }
            clauses.add(new Clause(id.prefix(), id.key(), comparator, value));
            if (lexer.atEnd()) {
                return clauses;
            }
            int before = lexer.position();
            String joiner = lexer.word();
            if (!joiner.equalsIgnoreCase("AND")) {
                if (joiner.equalsIgnoreCase("OR")) {
                    throw new SearchSyntaxException("Invalid clause(s) in filter string: 'OR' is not supported; "
                            + "clauses can only be joined by AND. Filter: " + filter);
                }
                throw new SearchSyntaxException("Invalid clause(s) in filter string: '"
                        + filter.substring(before).trim() + "'");
            }
        }
    }

    private static boolean isKeyword(String word) {
        String upper = word.toUpperCase(Locale.ROOT);
        return upper.equals("AND") || upper.equals("OR") || upper.equals("NOT");
    }

    private static SearchSyntaxException invalidClause(String filter) {
        return new SearchSyntaxException("Invalid clause(s) in filter string: '" + filter + "'");
    }

    /** A ';' outside quotes means a second statement, which MLflow refuses before anything else. */
    static void rejectMultipleStatements(String text) {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == ';') {
                throw new SearchSyntaxException("Search filter contained multiple expression '" + text
                        + "'. Provide AND-ed expression list.");
            }
        }
    }

    /** Parses one order_by item: an identifier and an optional ASC/DESC. */
    public static OrderItem parseOrderItem(String item) {
        if (item == null || item.isBlank()) {
            throw new SearchSyntaxException("Invalid order_by clause ''. Could not be parsed.");
        }
        rejectMultipleStatements(item);
        Lexer lexer = new Lexer(item);
        Identifier id = lexer.identifier();
        boolean ascending = true;
        if (!lexer.atEnd()) {
            String direction = lexer.word();
            if (direction.equalsIgnoreCase("DESC")) {
                ascending = false;
            } else if (!direction.equalsIgnoreCase("ASC")) {
                throw new SearchSyntaxException("Invalid ordering key in order_by clause '" + item
                        + "'. Expected ASC or DESC.");
            }
            if (!lexer.atEnd()) {
                throw new SearchSyntaxException("Invalid order_by clause '" + item + "'. Could not be parsed.");
            }
        }
        return new OrderItem(id.prefix(), id.key(), ascending);
    }

    /** An order_by item as written. */
    public record OrderItem(String prefix, String key, boolean ascending) {}
}
