package dev.osprey.server.traces;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelPricesTest {
    private final ModelPrices bundled = ModelPrices.load(Optional.empty());

    @Test
    void namesMatchExactly_orByTheLongestFamilyPrefix() {
        assertThat(bundled.price("gpt-4o")).contains(new ModelPrices.Price(2.50, 10.00));
        assertThat(bundled.price("gpt-4o-mini-2024-07-18")).contains(new ModelPrices.Price(0.15, 0.60));
        assertThat(bundled.price("gpt-4o-2024-08-06")).contains(new ModelPrices.Price(2.50, 10.00));
        assertThat(bundled.price("openai/GPT-4o")).contains(new ModelPrices.Price(2.50, 10.00));
        assertThat(bundled.price("claude-3-5-sonnet-20241022")).contains(new ModelPrices.Price(3.00, 15.00));
        assertThat(bundled.price("gpt-4oz")).isEmpty();
        assertThat(bundled.price("my-local-llama")).isEmpty();
    }

    @Test
    void costIsTokensTimesPricePerMillion() {
        ModelPrices.Cost cost = bundled.cost("gpt-4o-mini", 1_000_000, 500_000).orElseThrow();
        assertThat(cost.input()).isEqualTo(0.15);
        assertThat(cost.output()).isEqualTo(0.30);
        assertThat(cost.total()).isEqualTo(0.45, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void anOverrideFile_replacesAndExtendsTheTable() throws Exception {
        Path file = Files.createTempFile("prices", ".json");
        Files.writeString(file, "{\"models\": {\"gpt-4o\": {\"input\": 1.0, \"output\": 2.0}, \"house-model\": "
                + "{\"input\": 0.5, \"output\": 0.5}}}");
        ModelPrices prices = ModelPrices.load(Optional.of(file));
        assertThat(prices.price("gpt-4o")).contains(new ModelPrices.Price(1.0, 2.0));
        assertThat(prices.price("house-model-v2")).contains(new ModelPrices.Price(0.5, 0.5));
        assertThat(prices.price("gpt-4o-mini")).contains(new ModelPrices.Price(0.15, 0.60));
        var listed = prices.catalog().stream().filter(l -> l.model().equals("gpt-4o")).findFirst().orElseThrow();
        assertThat(listed.provider()).as("a repriced model keeps its provider").isEqualTo("openai");
        assertThat(listed.price()).isEqualTo(new ModelPrices.Price(1.0, 2.0));
        assertThat(prices.catalog()).as("no provider, not in the catalog").noneMatch(l -> l.model().equals("house-model"));
    }

    @Test
    void theCatalog_namesEachBundledModelsProviderAndMode() {
        assertThat(bundled.catalog()).extracting(ModelPrices.Listing::provider).containsOnly("anthropic", "gemini",
                "mistral", "openai");
        assertThat(bundled.catalog()).filteredOn(l -> l.model().equals("text-embedding-3-small"))
                .extracting(ModelPrices.Listing::mode).containsExactly("embedding");
        assertThat(bundled.catalog()).filteredOn(l -> l.model().equals("claude-sonnet-4"))
                .extracting(ModelPrices.Listing::mode).containsExactly("chat");
    }
}
