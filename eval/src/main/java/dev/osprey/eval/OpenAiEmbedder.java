package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An embedding model behind an OpenAI-compatible {@code /embeddings} URL, asked for {@code dimensions} (models that
 * cannot shorten their vectors ignore it, as MLflow lets LiteLLM drop it). Texts go in batches of
 * {@value #BATCH}, MLflow's batch size.
 */
public final class OpenAiEmbedder implements Embedder {
    static final int BATCH = 200;
    private final OpenAiHttp http;
    private final String model;
    private final int dimension;

    public OpenAiEmbedder(String baseUrl, Optional<String> apiKey, String model, int dimension, Duration timeout) {
        this.http = new OpenAiHttp(baseUrl, apiKey, timeout);
        this.model = model;
        this.dimension = dimension;
    }

    @Override
    public String name() {
        return "openai:/" + model;
    }

    /** The embeddings request for a batch of texts. */
    public static ObjectNode request(String model, List<String> texts, int dimension) {
        ObjectNode body = Json.object().put("model", model).put("dimensions", dimension);
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        return body;
    }

    /** The vectors of an embeddings answer, in input order; a refusal or a short answer is a model failure. */
    public static List<float[]> vectors(String name, int status, byte[] body, int expected) {
        if (status / 100 != 2) {
            throw new JudgeModel.JudgeModelException("Embedding model " + name + " answered HTTP " + status,
                    status == 429 || status >= 500);
        }
        JsonNode answer;
        try {
            answer = Json.read(body);
        } catch (IOException e) {
            throw new JudgeModel.JudgeModelException("Embedding model " + name + " answered with invalid JSON", true);
        }
        float[][] out = new float[expected][];
        for (JsonNode item : answer.path("data")) {
            int index = item.path("index").asInt(-1);
            JsonNode values = item.path("embedding");
            if (index < 0 || index >= expected || !values.isArray()) {
                continue;
            }
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) values.get(i).asDouble();
            }
            out[index] = v;
        }
        for (float[] v : out) {
            if (v == null) {
                throw new JudgeModel.JudgeModelException("Embedding model " + name + " returned " + answer.path("data")
                        .size() + " vectors for " + expected + " texts", false);
            }
        }
        return List.of(out);
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
            HttpResponse<byte[]> response = http.post("/embeddings", request(model, batch, dimension), name());
            out.addAll(vectors(name(), response.statusCode(), response.body(), batch.size()));
        }
        return out;
    }
}
