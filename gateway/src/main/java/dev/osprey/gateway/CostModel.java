package dev.osprey.gateway;

/** What a model call cost in USD, from the model name and token counts (0 when the model's price is unknown). */
@FunctionalInterface
public interface CostModel {
    double cost(String model, long inputTokens, long outputTokens);
}
