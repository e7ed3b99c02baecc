package dev.osprey.server.eval;

import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.eval.ScorerSpecs.JudgeModels;
import dev.osprey.eval.ScorerSpecs.UnsupportedScorerException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The models judges call when the server runs them. {@code gateway:/<endpoint>} (or {@code endpoints:/<endpoint>})
 * goes through this server's own AI gateway, bringing its credentials, fallbacks, rate limits and usage tracking;
 * {@code openai:/<model>} calls OpenAI (or {@code OPENAI_BASE_URL}) with {@code OPENAI_API_KEY}. A judge without a
 * model uses {@code OSPREY_JUDGE_MODEL} (default {@value #DEFAULT_MODEL}).
 */
public final class ServerJudgeModels implements JudgeModels {
    static final String DEFAULT_MODEL = "openai:/gpt-4.1-mini";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final Supplier<String> serverBaseUrl;
    private final Map<String, String> env;

    public ServerJudgeModels(Supplier<String> serverBaseUrl, Map<String, String> env) {
        this.serverBaseUrl = serverBaseUrl;
        this.env = Map.copyOf(env);
    }

    @Override
    public JudgeModel resolve(Optional<String> modelUri) {
        String uri = modelUri.or(() -> Optional.ofNullable(env.get("OSPREY_JUDGE_MODEL")).filter(s -> !s.isBlank()))
                .orElse(DEFAULT_MODEL);
        int colon = uri.indexOf(":/");
        if (colon < 0) {
            throw new UnsupportedScorerException("Judge model '" + uri + "' is not a model URI; use "
                    + "gateway:/<endpoint> or openai:/<model>.");
        }
        String scheme = uri.substring(0, colon);
        String name = uri.substring(colon + 2).replaceFirst("^/+", "");
        return switch (scheme) {
            case "gateway", "endpoints" -> named(uri, new OpenAiJudgeModel(serverBaseUrl.get() + "/gateway/mlflow/v1",
                    Optional.empty(), name, TIMEOUT));
            case "openai" -> named(uri, new OpenAiJudgeModel(Optional.ofNullable(env.get("OPENAI_BASE_URL"))
                    .filter(s -> !s.isBlank()).orElse("https://api.openai.com/v1"),
                    Optional.ofNullable(env.get("OPENAI_API_KEY")).filter(s -> !s.isBlank()), name, TIMEOUT));
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
