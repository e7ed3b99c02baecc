package dev.osprey.server.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.FeedbackValue;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayException;
import dev.osprey.gateway.Guardrails;
import dev.osprey.gateway.Invocation;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.protocol.Json;
import dev.osprey.server.guardrails.Guardrail.Action;
import dev.osprey.server.guardrails.Guardrail.Stage;
import dev.osprey.store.ScorerStore.ScorerVersion;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs an endpoint's guardrails around each gateway call: each guardrail's judge (its registered scorer version,
 * with the judge models of the endpoint's workspace) looks at the request, or at the request and the answer; a
 * failing verdict refuses the call with 400 (VALIDATION) or has the action endpoint's model rewrite the payload
 * (SANITIZATION). A judge that cannot give a verdict refuses the call with 503: a guardrail fails closed.
 *
 * <p>Calls the guardrails make themselves (the judge's model call, the rewrite) pass no guardrails, so a guardrail
 * whose judge uses the endpoint it guards cannot loop. They run on the caller's thread, which marks them.
 */
public final class JudgeGuardrails implements Guardrails {
    /** MLflow cuts a refusal's rationale to this many characters. */
    private static final int MAX_RATIONALE = 500;
    private static final String CALLER = "osprey-guardrail";
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
    private final GuardrailCatalog catalog;
    private final ScorerSpecs.JudgeModels models;
    private final Gateway gateway;
    private final Map<String, Scorer> scorers = new ConcurrentHashMap<>();

    JudgeGuardrails(GuardrailCatalog catalog, ScorerSpecs.JudgeModels models, Gateway gateway) {
        this.catalog = catalog;
        this.models = models;
        this.gateway = gateway;
    }

    @Override
    public ObjectNode beforeCall(GatewayEndpoint endpoint, Invocation call) {
        List<Guardrail> list = INSIDE.get() ? List.of() : catalog.forEndpoint(endpoint.endpointId());
        ObjectNode request = call.body();
        for (Guardrail g : list) {
            if (g.stage() == Stage.BEFORE) {
                JsonNode checked = enforce(g, endpoint, request, MissingNode.getInstance(), request);
                if (!(checked instanceof ObjectNode rewritten)) {
                    throw violation(g, "Sanitization did not return a request object.");
                }
                request = rewritten;
            }
        }
        return request;
    }

    @Override
    public JsonNode afterCall(GatewayEndpoint endpoint, Invocation call, JsonNode answer) {
        List<Guardrail> list = INSIDE.get() ? List.of() : catalog.forEndpoint(endpoint.endpointId());
        JsonNode checked = answer;
        for (Guardrail g : list) {
            if (g.stage() == Stage.AFTER) {
                checked = enforce(g, endpoint, call.body(), checked, checked);
            }
        }
        return checked;
    }

    /** {@code payload} as the guardrail lets it through. */
    private JsonNode enforce(Guardrail g, GatewayEndpoint endpoint, JsonNode inputs, JsonNode outputs,
            JsonNode payload) {
        Feedback verdict = judge(g, endpoint.workspace(), new EvalItem(inputs, outputs, Json.object(),
                Optional.empty()));
        if (passes(g, verdict)) {
            return payload;
        }
        String rationale = verdict.rationale().orElseGet(() -> verdict.value().map(JudgeGuardrails::text)
                .orElse("failed"));
        rationale = rationale.length() > MAX_RATIONALE ? rationale.substring(0, MAX_RATIONALE) : rationale;
        if (g.action() == Action.VALIDATION) {
            throw violation(g, rationale);
        }
        return sanitize(g, endpoint.workspace(), payload, rationale);
    }

    private Feedback judge(Guardrail g, String workspace, EvalItem item) {
        Scorer scorer = scorers.computeIfAbsent(g.scorerId() + "@" + g.scorerVersion() + "@" + workspace, k -> {
            ScorerVersion v = catalog.scorers().byId(g.scorerId(), g.scorerVersion()).orElseThrow(() ->
                    unavailable(g, "its scorer version no longer exists."));
            try {
                return ScorerSpecs.parse(v.name(), v.serializedScorer(), models.in(workspace));
            } catch (ScorerSpecs.UnsupportedScorerException e) {
                throw unavailable(g, e.getMessage());
            }
        });
        Feedback verdict = inside(() -> scorer.safely(item));
        if (verdict.error().isPresent()) {
            throw unavailable(g, verdict.error().get());
        }
        return verdict;
    }

    /** MLflow's reading: true passes, the label "yes" passes; anything else fails. */
    private static boolean passes(Guardrail g, Feedback verdict) {
        return verdict.value().map(v -> switch (v) {
            case FeedbackValue.Bool b -> b.value();
            case FeedbackValue.Text t -> t.value().strip().toLowerCase(Locale.ROOT).equals("yes");
            case FeedbackValue.Number n -> throw unavailable(g, "its judge answered a number (" + n.value()
                    + "); a guardrail's judge answers yes/no or true/false.");
        }).orElse(false);
    }

    private static String text(FeedbackValue v) {
        return switch (v) {
            case FeedbackValue.Bool b -> Boolean.toString(b.value());
            case FeedbackValue.Text t -> t.value();
            case FeedbackValue.Number n -> Double.toString(n.value());
        };
    }

    /** Asks the action endpoint's model for the payload with the problem fixed, as a JSON object of the same shape. */
    private JsonNode sanitize(Guardrail g, String workspace, JsonNode payload, String rationale) {
        String endpointName = g.actionEndpointId().flatMap(id -> catalog.endpointName(workspace, id))
                .orElseThrow(() -> violation(g, "Sanitization needs an action endpoint, and it no longer exists."));
        ObjectNode request = Json.object();
        request.putArray("messages").addObject().put("role", "user").put("content", """
                Rewrite the JSON payload below so that it no longer has the problem described, and answer with the \
                rewritten payload only: one JSON object with the same fields and structure. Replace what cannot be \
                made acceptable (personal data, credentials, secrets) with [REDACTED]; reword what can be (tone, \
                bias, needless detail) and keep the rest, including its meaning, as it is.

                Problem: %s

                Payload:
                %s""".formatted(rationale, payload.toPrettyString()));
        Gateway.Reply reply;
        try {
            reply = inside(() -> gateway.invoke(new Invocation(endpointName, Operation.CHAT, request, CALLER, false,
                    Optional.empty(), workspace)));
        } catch (GatewayException e) {
            throw violation(g, "Sanitization request failed: " + e.getMessage());
        }
        String content;
        try {
            content = Json.read(reply.body()).path("choices").path(0).path("message").path("content").asText("");
        } catch (IOException e) {
            throw violation(g, "Sanitization LLM response is not JSON.");
        }
        String json = content.strip().replaceFirst("^```(?:json)?\\s*", "").replaceFirst("\\s*```$", "");
        try {
            JsonNode rewritten = Json.read(json);
            if (!rewritten.isObject()) {
                throw violation(g, "Sanitization LLM returned no JSON object.");
            }
            return rewritten;
        } catch (IOException e) {
            throw violation(g, "Sanitization LLM returned invalid JSON.");
        }
    }

    private static <T> T inside(java.util.function.Supplier<T> work) {
        boolean outer = INSIDE.get();
        INSIDE.set(true);
        try {
            return work.get();
        } finally {
            INSIDE.set(outer);
        }
    }

    /** MLflow's GuardrailViolation: the caller's request (or the answer to it) is refused. */
    private static GatewayException violation(Guardrail g, String rationale) {
        return new GatewayException(400, "Guardrail '" + g.name() + "' blocked: " + rationale);
    }

    private static GatewayException unavailable(Guardrail g, String why) {
        return new GatewayException(503, "Guardrail '" + g.name() + "' could not judge the call, so it is refused: "
                + why);
    }
}
