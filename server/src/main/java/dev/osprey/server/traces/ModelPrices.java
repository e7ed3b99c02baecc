package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Token prices per model (USD per million tokens), from the bundled table and an optional override file
 * ({@code OSPREY_MODEL_PRICES}), used to turn token usage into cost. A model name matches exactly, else by the
 * longest known prefix, so dated snapshot names resolve to their family.
 */
public final class ModelPrices {
    private static final String BUNDLED = "/dev/osprey/server/traces/model-prices.json";

    /** Prices of one model, USD per million tokens. */
    public record Price(double inputPerMillion, double outputPerMillion) {}

    /** The cost of one call or one trace in USD. */
    public record Cost(double input, double output) {
        public double total() {
            return input + output;
        }
    }

    /** A model the table lists with its provider (a provider name of the gateway) and mode (chat or embedding). */
    public record Listing(String model, String provider, String mode, Price price) {}

    private final Map<String, Price> prices;
    private final List<Listing> catalog;
    /** Answers by the model name callers use, so the prefix scan runs once per name (the gateway asks per call). */
    private final Map<String, Optional<Price>> resolved = new java.util.concurrent.ConcurrentHashMap<>();

    ModelPrices(Map<String, Price> prices, Map<String, Listing> catalog) {
        this.prices = Map.copyOf(prices);
        this.catalog = catalog.values().stream().sorted(java.util.Comparator.comparing(Listing::provider)
                .thenComparing(Listing::model)).toList();
    }

    /** The models that name their provider, by provider then name. */
    public List<Listing> catalog() {
        return catalog;
    }

    /** The bundled table, overridden and extended by {@code overrides} when given. */
    public static ModelPrices load(Optional<Path> overrides) {
        Map<String, Price> prices = new HashMap<>();
        Map<String, Listing> catalog = new HashMap<>();
        try (InputStream in = ModelPrices.class.getResourceAsStream(BUNDLED)) {
            read(Json.read(in.readAllBytes()), prices, catalog);
            if (overrides.isPresent()) {
                read(Json.read(Files.readAllBytes(overrides.get())), prices, catalog);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model prices: " + e.getMessage(), e);
        }
        return new ModelPrices(prices, catalog);
    }

    private static void read(JsonNode table, Map<String, Price> into, Map<String, Listing> catalog) {
        table.path("models").fields().forEachRemaining(e -> {
            String model = e.getKey().toLowerCase(Locale.ROOT);
            Price price = new Price(e.getValue().path("input").asDouble(0), e.getValue().path("output").asDouble(0));
            into.put(model, price);
            String provider = e.getValue().path("provider").asText("");
            if (provider.isEmpty()) {
                // An override that only reprices a listed model keeps its provider and mode.
                catalog.computeIfPresent(model, (k, old) -> new Listing(old.model(), old.provider(), old.mode(),
                        price));
            } else {
                catalog.put(model, new Listing(e.getKey(), provider, e.getValue().path("mode").asText("chat"),
                        price));
            }
        });
    }

    public Optional<Price> price(String model) {
        Optional<Price> known = resolved.get(model);
        if (known != null) {
            return known;
        }
        Optional<Price> found = lookup(model);
        if (resolved.size() < 10_000) {
            resolved.put(model, found);
        }
        return found;
    }

    private Optional<Price> lookup(String model) {
        String name = model.toLowerCase(Locale.ROOT);
        int slash = name.lastIndexOf('/');
        if (slash >= 0) {
            name = name.substring(slash + 1);
        }
        Price exact = prices.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        String best = null;
        for (String known : prices.keySet()) {
            if (name.startsWith(known + "-") && (best == null || known.length() > best.length())) {
                best = known;
            }
        }
        return Optional.ofNullable(best).map(prices::get);
    }

    public Optional<Cost> cost(String model, long inputTokens, long outputTokens) {
        return price(model).map(p -> new Cost(inputTokens * p.inputPerMillion() / 1_000_000,
                outputTokens * p.outputPerMillion() / 1_000_000));
    }
}
