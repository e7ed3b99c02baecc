package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's registry webhooks. Obtained from {@link OspreyClient#webhooks()}; the signing secret can be set but
 * is never read back.
 */
public final class WebhookClient {
    private static final String BASE = "/api/2.0/mlflow/webhooks";
    private final Transport transport;

    WebhookClient(Transport transport) {
        this.transport = transport;
    }

    /** What a test delivery saw. */
    public record TestResult(boolean success, Optional<Integer> responseStatus, Optional<String> responseBody,
            Optional<String> errorMessage) {}

    /** Fields to change; empty ones stay as they are. */
    public record Changes(Optional<String> name, Optional<String> description, Optional<String> url,
            Optional<List<Webhook.Event>> events, Optional<String> secret, Optional<Webhook.Status> status) {
        public static Changes none() {
            return new Changes(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }

        public Changes status(Webhook.Status s) {
            return new Changes(name, description, url, events, secret, Optional.of(s));
        }

        public Changes events(List<Webhook.Event> e) {
            return new Changes(name, description, url, Optional.of(e), secret, status);
        }

        public Changes url(String u) {
            return new Changes(name, description, Optional.of(u), events, secret, status);
        }

        public Changes secret(String s) {
            return new Changes(name, description, url, events, Optional.of(s), status);
        }
    }

    public Webhook create(String name, String url, List<Webhook.Event> events, Optional<String> secret) {
        ObjectNode body = body(new Changes(Optional.of(name), Optional.empty(), Optional.of(url), Optional.of(events),
                secret, Optional.empty()));
        return webhook(transport.post(BASE, body));
    }

    public Webhook get(String webhookId) {
        return webhook(transport.get(BASE + "/" + webhookId, Map.of()));
    }

    public Page<Webhook> list(int maxResults, Optional<String> pageToken) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (maxResults > 0) {
            query.put("max_results", List.of(Integer.toString(maxResults)));
        }
        pageToken.ifPresent(t -> query.put("page_token", List.of(t)));
        Message m = transport.get(BASE, query);
        return new Page<>(m.messages("webhooks").stream().map(WebhookClient::read).toList(),
                m.string("next_page_token").filter(t -> !t.isEmpty()));
    }

    public Webhook update(String webhookId, Changes changes) {
        return webhook(transport.send("PATCH", BASE + "/" + webhookId, body(changes)));
    }

    public void delete(String webhookId) {
        transport.send("DELETE", BASE + "/" + webhookId, Json.object());
    }

    /** Sends an example event (the webhook's first by default) and reports the receiver's answer. */
    public TestResult test(String webhookId, Optional<Webhook.Event> event) {
        ObjectNode body = Json.object();
        event.ifPresent(e -> body.putObject("event").put("entity", e.entity()).put("action", e.action()));
        Message r = transport.post(BASE + "/" + webhookId + "/test", body).message("result").orElse(Message.empty());
        return new TestResult(r.bool("success").orElse(false), r.int32("response_status").isPresent()
                ? Optional.of(r.int32("response_status").getAsInt()) : Optional.empty(), r.string("response_body"),
                r.string("error_message"));
    }

    private static ObjectNode body(Changes c) {
        ObjectNode body = Json.object();
        c.name().ifPresent(v -> body.put("name", v));
        c.description().ifPresent(v -> body.put("description", v));
        c.url().ifPresent(v -> body.put("url", v));
        c.secret().ifPresent(v -> body.put("secret", v));
        c.status().ifPresent(v -> body.put("status", v.name()));
        c.events().ifPresent(events -> {
            ArrayNode array = body.putArray("events");
            events.forEach(e -> array.addObject().put("entity", e.entity()).put("action", e.action()));
        });
        return body;
    }

    private static Webhook webhook(Message m) {
        return read(m.message("webhook").orElseThrow());
    }

    private static Webhook read(Message w) {
        return new Webhook(w.requiredString("webhook_id"), w.string("name").orElse(""),
                w.string("description").filter(d -> !d.isEmpty()), w.string("url").orElse(""),
                w.messages("events").stream().map(e -> new Webhook.Event(e.string("entity").orElse(""),
                        e.string("action").orElse(""))).toList(),
                Webhook.Status.valueOf(w.string("status").orElse("ACTIVE")), w.int64("creation_timestamp").orElse(0),
                w.int64("last_updated_timestamp").orElse(0), Optional.empty(),
                // The SDK does not choose workspaces yet: its calls, and so their webhooks, are the default one's.
                "default");
    }
}
