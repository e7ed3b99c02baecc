package dev.osprey.gateway.config;

import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The request fields every configuration aggregate reads the same way, with the same limits and wording. */
final class ConfigFields {
    private static final int MAX_NAME = 256;

    private ConfigFields() {}

    static String name(Message m, String field) {
        String name = m.requiredString(field);
        if (name.length() > MAX_NAME || name.isBlank()) {
            throw OspreyException.invalid("'" + field + "' must be 1 to " + MAX_NAME + " characters and not blank.");
        }
        return name;
    }

    /** A JSON object of strings; empty when absent. */
    static Map<String, String> stringMap(Message m, String field) {
        Optional<Message> nested = m.message(field);
        if (nested.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        nested.get().json().properties().forEach(e -> {
            if (!e.getValue().isTextual()) {
                throw OspreyException.invalid("Invalid value for '" + field + "." + e.getKey() + "': expected a "
                        + "string.");
            }
            out.put(e.getKey(), e.getValue().textValue());
        });
        return out;
    }

    /** A present, non-empty string field. */
    static Optional<String> given(Message m, String field) {
        return m.string(field).filter(s -> !s.isEmpty());
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("Invalid value '" + value + "' for '" + field + "'. Allowed: "
                    + List.of(type.getEnumConstants()) + ".");
        }
    }
}
