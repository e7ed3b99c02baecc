package dev.osprey.server.eval;

import dev.osprey.eval.Embedder;
import dev.osprey.eval.LabelledExample;
import dev.osprey.eval.LlmJudge;
import dev.osprey.eval.OpenAiEmbedder;
import java.util.List;

import dev.osprey.eval.JudgeModel;
import dev.osprey.gateway.Gateway;
import dev.osprey.store.WorkspaceStore;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.eval.ScorerSpecs.JudgeModels;
import dev.osprey.eval.ScorerSpecs.UnsupportedScorerException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The models judges call when the server runs them. {@code gateway:/<endpoint>} (or {@code endpoints:/<endpoint>})
 * goes through this server's own AI gateway, in process ({@link GatewayJudgeModel}), bringing its credentials,
 * fallbacks, rate limits and usage tracking; the endpoint must be in the workspace the judge runs for
 * ({@link #in}). {@code openai:/<model>} calls OpenAI (or {@code OPENAI_BASE_URL}) with {@code OPENAI_API_KEY}. A
 * judge without a model uses {@code OSPREY_JUDGE_MODEL} (default {@value #DEFAULT_MODEL}).
 */
public final class ServerJudgeModels implements JudgeModels {
    static final String DEFAULT_MODEL = "openai:/gpt-4.1-mini";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final Gateway gateway;
    private final Settings settings;
    private final HumanFeedback humanFeedback;
    private final String workspace;

    /**
     * What {@code openai:/} judges call and the model of judges registered without one.
     *
     * @param defaultModel {@code OSPREY_JUDGE_MODEL}
     * @param openAiApiKey {@code OPENAI_API_KEY}
     * @param openAiBaseUrl {@code OPENAI_BASE_URL}
     */
    public record Settings(Optional<String> defaultModel, Optional<String> openAiApiKey,
            Optional<String> openAiBaseUrl) {
        @Override
        public String toString() {
            return "Settings[defaultModel=" + defaultModel.orElse("-") + ", openAiApiKey=" + (openAiApiKey.isPresent()
                    ? "***" : "-") + ", openAiBaseUrl=" + openAiBaseUrl.orElse("-") + "]"; // never the key
        }
    }

    /** Judges of the default workspace (and of every call while workspaces are off). */
    public ServerJudgeModels(Gateway gateway, Settings settings, HumanFeedback humanFeedback) {
        this(gateway, settings, humanFeedback, WorkspaceStore.DEFAULT);
    }

    private ServerJudgeModels(Gateway gateway, Settings settings, HumanFeedback humanFeedback, String workspace) {
        this.gateway = gateway;
        this.settings = settings;
        this.humanFeedback = humanFeedback;
        this.workspace = workspace;
    }

    @Override
    public JudgeModels in(String workspace) {
        return workspace.equals(this.workspace) ? this
                : new ServerJudgeModels(gateway, settings, humanFeedback, workspace);
    }

    @Override
    public List<LabelledExample> feedback(List<String> traceIds, LlmJudge judge) {
        return humanFeedback.examples(traceIds, judge);
    }

    /** {@code gateway:/<endpoint>} through this server's gateway, {@code openai:/<model>} as judges call OpenAI. */
    @Override
    public Embedder embedder(String modelUri, int dimension) {
        int colon = modelUri.indexOf(":/");
        String scheme = colon < 0 ? "" : modelUri.substring(0, colon);
        String name = colon < 0 ? modelUri : modelUri.substring(colon + 2).replaceFirst("^/+", "");
        return switch (scheme) {
            case "gateway", "endpoints" -> new GatewayEmbedder(gateway, name, workspace, modelUri, dimension);
            case "openai" -> new OpenAiEmbedder(settings.openAiBaseUrl().orElse("https://api.openai.com/v1"),
                    settings.openAiApiKey(), name, dimension, TIMEOUT);
            default -> throw new UnsupportedScorerException("Embedding model '" + modelUri + "' is not called here; "
                    + "use gateway:/<endpoint> (an embeddings endpoint of this server's gateway) or openai:/<model>.");
        };
    }

    @Override
    public JudgeModel resolve(Optional<String> modelUri) {
        String uri = modelUri.or(settings::defaultModel)
                .orElse(DEFAULT_MODEL);
        int colon = uri.indexOf(":/");
        if (colon < 0) {
            throw new UnsupportedScorerException("Judge model '" + uri + "' is not a model URI; use "
                    + "gateway:/<endpoint> or openai:/<model>.");
        }
        String scheme = uri.substring(0, colon);
        String name = uri.substring(colon + 2).replaceFirst("^/+", "");
        return switch (scheme) {
            case "gateway", "endpoints" -> new GatewayJudgeModel(gateway, name, workspace, uri);
            case "openai" -> named(uri, new OpenAiJudgeModel(settings.openAiBaseUrl()
                    .orElse("https://api.openai.com/v1"), settings.openAiApiKey(), name, TIMEOUT));
            default -> throw new UnsupportedScorerException("Judge model provider '" + scheme + "' is not called "
                    + "directly; configure it as a gateway endpoint and use gateway:/<endpoint>.");
        };
    }

    /** The model under the URI the user wrote, for feedback sources. */
    private static JudgeModel named(String uri, JudgeModel model) {
        return new JudgeModel() {
            @Override
            public String name() {
                return uri;
            }

            @Override
            public String complete(String system, String user) {
                return model.complete(system, user);
            }
        };
    }
}
