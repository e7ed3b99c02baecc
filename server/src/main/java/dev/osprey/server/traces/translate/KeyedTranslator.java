package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A family described by the attribute keys it uses: most families differ from each other only in those (MLflow's
 * translators are mostly class attributes too). Families with more behaviour extend this class.
 */
class KeyedTranslator implements SpanTranslator {
    private final String family;
    private String kindKey;
    private Map<String, String> kinds = Map.of();
    private String inputTokens;
    private String outputTokens;
    private String totalTokens;
    private String cacheReadTokens;
    private String cacheCreationTokens;
    private List<Key> inputs = List.of();
    private List<Key> outputs = List.of();
    private List<Key> models = List.of();
    private String provider;
    private List<Key> tools = List.of();

    KeyedTranslator(String family) {
        this.family = family;
    }

    /** The attribute naming the span's kind, and which MLflow span type each kind is. */
    KeyedTranslator kinds(String key, Map<String, String> typeByKind) {
        this.kindKey = key;
        this.kinds = Map.copyOf(typeByKind);
        return this;
    }

    KeyedTranslator tokens(String input, String output, String total) {
        this.inputTokens = input;
        this.outputTokens = output;
        this.totalTokens = total;
        return this;
    }

    KeyedTranslator cacheTokens(String read, String creation) {
        this.cacheReadTokens = read;
        this.cacheCreationTokens = creation;
        return this;
    }

    KeyedTranslator inputs(Key... keys) {
        this.inputs = List.of(keys);
        return this;
    }

    KeyedTranslator outputs(Key... keys) {
        this.outputs = List.of(keys);
        return this;
    }

    KeyedTranslator models(String... keys) {
        this.models = exact(keys);
        return this;
    }

    KeyedTranslator provider(String key) {
        this.provider = key;
        return this;
    }

    KeyedTranslator tools(String... keys) {
        this.tools = exact(keys);
        return this;
    }

    @Override
    public String family() {
        return family;
    }

    @Override
    public Optional<String> spanType(Map<String, JsonNode> attributes) {
        if (kindKey == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(attributes.get(kindKey)).filter(AttributeValues::present)
                .flatMap(AttributeValues::text).map(kinds::get);
    }

    @Override
    public TokenCounts tokens(Map<String, JsonNode> attributes) {
        return new TokenCounts(count(attributes, inputTokens), count(attributes, outputTokens),
                count(attributes, totalTokens), count(attributes, cacheReadTokens),
                count(attributes, cacheCreationTokens));
    }

    private static Optional<Long> count(Map<String, JsonNode> attributes, String key) {
        return key == null ? Optional.empty() : AttributeValues.count(attributes.get(key));
    }

    @Override
    public Optional<JsonNode> input(Map<String, JsonNode> attributes) {
        return first(attributes, inputs);
    }

    @Override
    public Optional<JsonNode> output(Map<String, JsonNode> attributes) {
        return first(attributes, outputs);
    }

    @Override
    public Optional<String> model(Map<String, JsonNode> attributes) {
        return first(attributes, models).flatMap(AttributeValues::text);
    }

    @Override
    public Optional<String> provider(Map<String, JsonNode> attributes) {
        return provider == null ? Optional.empty()
                : AttributeValues.presentValue(attributes, provider).flatMap(AttributeValues::text);
    }

    @Override
    public Optional<JsonNode> tools(Map<String, JsonNode> attributes) {
        return first(attributes, tools);
    }

    /** The first present value under these keys, in key order (a pattern takes the first matching attribute). */
    static Optional<JsonNode> first(Map<String, JsonNode> attributes, List<Key> keys) {
        for (Key key : keys) {
            if (key.pattern() == null) {
                Optional<JsonNode> v = AttributeValues.presentValue(attributes, key.exact());
                if (v.isPresent()) {
                    return v;
                }
                continue;
            }
            for (Map.Entry<String, JsonNode> e : attributes.entrySet()) {
                if (key.pattern().matcher(e.getKey()).lookingAt() && AttributeValues.present(e.getValue())) {
                    return Optional.of(e.getValue());
                }
            }
        }
        return Optional.empty();
    }

    private static List<Key> exact(String... keys) {
        List<Key> out = new ArrayList<>();
        for (String k : keys) {
            out.add(Key.of(k));
        }
        return List.copyOf(out);
    }

    /** An attribute key, or a pattern its start must match (MLflow's {@code re.match}). */
    record Key(String exact, Pattern pattern) {
        static Key of(String exact) {
            return new Key(exact, null);
        }

        static Key matching(String regex) {
            return new Key(null, Pattern.compile(regex));
        }
    }
}
