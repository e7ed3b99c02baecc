package dev.osprey.server.eval;

import dev.osprey.eval.Embedder;
import dev.osprey.eval.JudgeModel.JudgeModelException;
import dev.osprey.eval.OpenAiEmbedder;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayException;
import dev.osprey.gateway.Invocation;
import dev.osprey.gateway.provider.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An aligned judge's embedding model as an endpoint of this server's gateway, called in process like
 * {@link GatewayJudgeModel}: the endpoint of the judge's workspace, its credentials, limits and usage.
 */
final class GatewayEmbedder implements Embedder {
    private static final int BATCH = 200;
    private final Gateway gateway;
    private final String endpoint;
    private final String workspace;
    private final String uri;
    private final int dimension;

    GatewayEmbedder(Gateway gateway, String endpoint, String workspace, String uri, int dimension) {
        this.gateway = gateway;
        this.endpoint = endpoint;
        this.workspace = workspace;
        this.uri = uri;
        this.dimension = dimension;
    }

    @Override
    public String name() {
        return uri;
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        if (gateway.config().endpoint(workspace, endpoint).isEmpty()) {
            throw new JudgeModelException("Embedding model " + uri + ": no gateway endpoint '" + endpoint
                    + "' in workspace '" + workspace + "'.", false);
        }
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
            try {
                Gateway.Reply reply = gateway.invoke(new Invocation(endpoint, Operation.EMBEDDINGS,
                        OpenAiEmbedder.request(endpoint, batch, dimension), GatewayJudgeModel.CALLER, false,
                        Optional.empty(), workspace));
                out.addAll(OpenAiEmbedder.vectors(uri, reply.status(), reply.body(), batch.size()));
            } catch (GatewayException e) {
                throw new JudgeModelException("Embedding model " + uri + " answered HTTP " + e.status() + ": "
                        + e.getMessage(), e.status() == 429 || e.status() >= 500);
            }
        }
        return out;
    }
}
