package dev.osprey.search;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the small SQL subset MLflow accepts in filter and order_by strings. One instance reads one string; the
 * grammar is in spec/search-grammar.md §1.
 */
final class Lexer {
    private final String input;
    private int pos;

    Lexer(String input) {
        this.input = input;
    }

    boolean atEnd() {
        skipSpace();
        return pos >= input.length();
    }

    int position() {
        return pos;
    }

    String rest() {
        return input.substring(Math.min(pos, input.length()));
    }

    private void skipSpace() {
        while (pos < input.length() && Character.isWhitespace(input.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** Identifier: {@code word}, {@code prefix.key}; either part may be quoted with backticks or double quotes. */
    Identifier identifier() {
        skipSpace();
        if (pos >= input.length()) {
            throw new SearchSyntaxException("Invalid filter: expected an identifier at end of input.");
        }
        String first = identifierPart(false);
        if (pos < input.length() && input.charAt(pos) == '.') {
            pos++;
            if (pos >= input.length() || Character.isWhitespace(input.charAt(pos))) {
                throw new SearchSyntaxException("Invalid identifier '" + first + ".': missing key after '.'.");
            }
            String key = identifierPart(true);
            return new Identifier(first, key);
        }
        return new Identifier("", first);
    }

    private String identifierPart(boolean allowDots) {
        char c = input.charAt(pos);
        if (c == '`' || c == '"') {
            return quoted(c);
        }
        int start = pos;
        while (pos < input.length()) {
            char ch = input.charAt(pos);
            if (isWordChar(ch) || (allowDots && ch == '.')) {
                pos++;
            } else {
                break;
            }
        }
        if (start == pos) {
            throw new SearchSyntaxException("Invalid clause(s) in filter string: unexpected '" + rest() + "'.");
        }
        String part = input.substring(start, pos);
        // span.attributes.`key with spaces`: a quoted last segment after dotted words
        if (allowDots && part.endsWith(".") && pos < input.length()
                && (input.charAt(pos) == '`' || input.charAt(pos) == '"')) {
            return part + quoted(input.charAt(pos));
        }
        return part;
    }

    private String quoted(char quote) {
        int start = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (pos < input.length()) {
            char c = input.charAt(pos);
            if (c == '\\' && pos + 1 < input.length() && input.charAt(pos + 1) == quote) {
                out.append(quote);
                pos += 2;
            } else if (c == quote) {
                if (pos + 1 < input.length() && input.charAt(pos + 1) == quote) {
                    out.append(quote);
                    pos += 2;
                } else {
                    pos++;
                    return out.toString();
                }
            } else {
                out.append(c);
                pos++;
            }
        }
        throw new SearchSyntaxException("Invalid filter: unterminated quoted string starting at '"
                + input.substring(start) + "'.");
    }

    Comparator comparator() {
        skipSpace();
        if (pos >= input.length()) {
            throw new SearchSyntaxException("Invalid clause(s) in filter string: missing comparator and value.");
        }
        for (String symbol : new String[] {"!=", ">=", "<=", "<>", "=", ">", "<"}) {
            if (input.startsWith(symbol, pos)) {
                pos += symbol.length();
                return switch (symbol) {
                    case "!=", "<>" -> Comparator.NE;
                    case ">=" -> Comparator.GE;
                    case "<=" -> Comparator.LE;
                    case "=" -> Comparator.EQ;
                    case ">" -> Comparator.GT;
                    default -> Comparator.LT;
                };
            }
        }
        int save = pos;
        String word = word();
        switch (word.toUpperCase(Locale.ROOT)) {
            case "LIKE" -> {
                return Comparator.LIKE;
            }
            case "ILIKE" -> {
                return Comparator.ILIKE;
            }
            case "IN" -> {
                return Comparator.IN;
            }
            case "NOT" -> {
                if (word().equalsIgnoreCase("IN")) {
                    return Comparator.NOT_IN;
                }
            }
            default -> { }
        }
        pos = save;
        throw new SearchSyntaxException("Invalid comparator in filter string near '" + rest() + "'. Valid "
                + "comparators are =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN.");
    }

    /** A bare word, or empty when the next character does not start one. */
    String word() {
        skipSpace();
        int start = pos;
        while (pos < input.length() && isWordChar(input.charAt(pos))) {
            pos++;
        }
        return input.substring(start, pos);
    }

    Value value() {
        skipSpace();
        if (pos >= input.length()) {
            throw new SearchSyntaxException("Invalid clause(s) in filter string: missing value.");
        }
        char c = input.charAt(pos);
        if (c == '\'' || c == '"') {
            return new Value.Text(quoted(c));
        }
        if (c == '(') {
            return list();
        }
        int start = pos;
        if (c == '+' || c == '-') {
            pos++;
        }
        while (pos < input.length() && (Character.isDigit(input.charAt(pos)) || input.charAt(pos) == '.'
                || input.charAt(pos) == 'e' || input.charAt(pos) == 'E'
                || ((input.charAt(pos) == '-' || input.charAt(pos) == '+')
                        && (input.charAt(pos - 1) == 'e' || input.charAt(pos - 1) == 'E')))) {
            pos++;
        }
        String text = input.substring(start, pos);
        if (pos < input.length() && isWordChar(input.charAt(pos))) {
            text = text + word();
        }
        try {
            if (text.isEmpty() || !Character.isDigit(text.charAt(text.length() - 1)) && !text.endsWith(".")) {
                throw new NumberFormatException(text);
            }
            return new Value.Number(new BigDecimal(text));
        } catch (NumberFormatException e) {
            pos = start;
            String token = text.isEmpty() ? word() : text;
            throw new SearchSyntaxException("Parameter value is either not quoted or unidentified quote types "
                    + "used for string value " + (token.isEmpty() ? rest() : token)
                    + ". Use either single or double quotes.");
        }
    }

    private Value list() {
        pos++;
        List<String> items = new ArrayList<>();
        skipSpace();
        if (pos < input.length() && input.charAt(pos) == ')') {
            throw new SearchSyntaxException("While parsing a list in the query, expected a non-empty list of "
                    + "string values, but got empty list.");
        }
        while (true) {
            skipSpace();
            if (pos >= input.length()) {
                throw new SearchSyntaxException("Invalid filter: unterminated list.");
            }
            char c = input.charAt(pos);
            if (c != '\'' && c != '"') {
                throw new SearchSyntaxException("While parsing a list in the query, expected string value, "
                        + "punctuation, or whitespace, but got different type in list: " + rest());
            }
            items.add(quoted(c));
            skipSpace();
            if (pos < input.length() && input.charAt(pos) == ',') {
                pos++;
            } else if (pos < input.length() && input.charAt(pos) == ')') {
                pos++;
                return new Value.TextList(items);
            } else {
                throw new SearchSyntaxException("Invalid filter: expected ',' or ')' in list near '" + rest() + "'.");
            }
        }
    }
}
