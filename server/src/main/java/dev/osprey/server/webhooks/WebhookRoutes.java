package dev.osprey.server.webhooks;

import static dev.osprey.server.auth.Access.*;
import static dev.osprey.server.auth.Permission.Need.*;
import dev.osprey.store.AuthStore.ResourceType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.TrackingCodec;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Webhook RPCs (spec/genai.md §5); the secret is accepted and never returned. */
public final class WebhookRoutes {
    private static final String BASE = "/mlflow/webhooks";
    private static final String ONE = BASE + "/{webhook_id}";
    private final WebhookService webhooks;

    public WebhookRoutes(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.post(BASE, this::create).requires(createsWebhook()),
                Endpoint.get(BASE, this::list).requires(listsReadable(ResourceType.WEBHOOK, "webhooks",
                        "webhook_id")),
                Endpoint.get(ONE, this::get).requires(onWebhook(READ)),
                Endpoint.patch(ONE, this::update).requires(onWebhook(UPDATE)),
                Endpoint.delete(ONE, this::delete).requires(dropsGrants(onWebhook(DELETE))),
                Endpoint.post(ONE + "/test", this::test).requires(onWebhook(UPDATE)));
    }

    static ObjectNode json(Webhook w) {
        ObjectNode node = Json.object();
        node.put("webhook_id", w.webhookId());
        node.put("name", w.name());
        w.description().ifPresent(d -> node.put("description", d));
        node.put("url", w.url());
        TrackingCodec.putList(node, "events", w.events(), e -> Json.object().put("entity", e.entity())
                .put("action", e.action()));
        node.put("status", w.status().name());
        node.put("creation_timestamp", w.creationTimestamp());
        node.put("last_updated_timestamp", w.lastUpdatedTimestamp());
        return node;
    }

    private static JsonNode webhook(Webhook w) {
        return Json.object("webhook", json(w));
    }

    private static Webhook.Event event(Message e) {
        return new Webhook.Event(e.requiredString("entity").toUpperCase(Locale.ROOT),
                e.requiredString("action").toUpperCase(Locale.ROOT));
    }

    private static WebhookService.Changes changes(Message m) {
        Optional<List<Webhook.Event>> events = m.count("events") > 0
                ? Optional.of(m.messages("events").stream().map(WebhookRoutes::event).toList()) : Optional.empty();
        return new WebhookService.Changes(m.string("name"), m.string("description"), m.string("url"), events,
                m.string("secret"), m.string("status").map(s -> s.toUpperCase(Locale.ROOT)));
    }

    private static String workspace(ApiRequest r) {
        return r.workspaceName().orElse(dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    JsonNode create(ApiRequest r) {
        return webhook(webhooks.create(changes(r.message()), workspace(r)));
    }

    JsonNode list(ApiRequest r) {
        Message m = r.message();
        Page<Webhook> page = webhooks.list(workspace(r), m.int64("max_results").orElse(0), m.string("page_token"));
        return TrackingCodec.page("webhooks", page, WebhookRoutes::json);
    }

    JsonNode get(ApiRequest r) {
        return webhook(webhooks.get(r.pathParam("webhook_id")));
    }

    JsonNode update(ApiRequest r) {
        return webhook(webhooks.update(r.pathParam("webhook_id"), changes(r.message())));
    }

    JsonNode delete(ApiRequest r) {
        webhooks.delete(r.pathParam("webhook_id"));
        return Json.object();
    }

    JsonNode test(ApiRequest r) {
        WebhookDispatcher.Result result = webhooks.test(r.pathParam("webhook_id"),
                r.message().message("event").map(WebhookRoutes::event));
        ObjectNode out = Json.object();
        ObjectNode node = out.putObject("result");
        node.put("success", result.success());
        result.status().ifPresent(s -> node.put("response_status", s));
        result.body().ifPresent(b -> node.put("response_body", b));
        result.error().ifPresent(e -> node.put("error_message", e));
        return out;
    }
}
