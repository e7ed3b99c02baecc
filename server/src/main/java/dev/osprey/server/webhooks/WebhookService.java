package dev.osprey.server.webhooks;

import dev.osprey.core.net.UrlGuard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import dev.osprey.protocol.Json;
import dev.osprey.server.secrets.SecretBox;
import dev.osprey.store.WebhookStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Webhook configuration rules (spec/genai.md §5): supported events, URL guard, write-only sealed secrets. */
public final class WebhookService {
    static final int DEFAULT_RESULTS = 100;
    static final int MAX_RESULTS = 1000;
    /** The (entity, action) pairs MLflow delivers. */
    static final Set<Webhook.Event> SUPPORTED = Set.of(
            new Webhook.Event("REGISTERED_MODEL", "CREATED"),
            new Webhook.Event("MODEL_VERSION", "CREATED"),
            new Webhook.Event("MODEL_VERSION_TAG", "SET"), new Webhook.Event("MODEL_VERSION_TAG", "DELETED"),
            new Webhook.Event("MODEL_VERSION_ALIAS", "CREATED"), new Webhook.Event("MODEL_VERSION_ALIAS", "DELETED"),
            new Webhook.Event("PROMPT", "CREATED"),
            new Webhook.Event("PROMPT_VERSION", "CREATED"),
            new Webhook.Event("PROMPT_TAG", "SET"), new Webhook.Event("PROMPT_TAG", "DELETED"),
            new Webhook.Event("PROMPT_VERSION_TAG", "SET"), new Webhook.Event("PROMPT_VERSION_TAG", "DELETED"),
            new Webhook.Event("PROMPT_ALIAS", "CREATED"), new Webhook.Event("PROMPT_ALIAS", "DELETED"),
            new Webhook.Event("BUDGET_POLICY", "EXCEEDED"));

    private final WebhookStore store;
    private final SecretBox secrets;
    private final UrlGuard guard;
    private final WebhookDispatcher dispatcher;
    private final Clock clock;

    public WebhookService(WebhookStore store, SecretBox secrets, UrlGuard guard, WebhookDispatcher dispatcher,
            Clock clock) {
        this.store = store;
        this.secrets = secrets;
        this.guard = guard;
        this.dispatcher = dispatcher;
        this.clock = clock;
    }

    /** Fields of a create or update; empty means "not given". */
    public record Changes(Optional<String> name, Optional<String> description, Optional<String> url,
            Optional<List<Webhook.Event>> events, Optional<String> secret, Optional<String> status) {}

    private static List<Webhook.Event> events(List<Webhook.Event> events) {
        if (events.isEmpty()) {
            throw OspreyException.invalid("A webhook needs at least one event.");
        }
        for (Webhook.Event e : events) {
            if (!SUPPORTED.contains(e)) {
                throw OspreyException.invalid("Unsupported webhook event " + e.entity() + "." + e.action()
                        + ". Supported: " + SUPPORTED.stream().map(x -> x.entity() + "." + x.action()).sorted()
                        .toList() + ".");
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(events));
    }

    private static Webhook.Status status(String status) {
        try {
            return Webhook.Status.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("Invalid webhook status '" + status + "': use ACTIVE or DISABLED.");
        }
    }

    private static String name(String name) {
        if (name.isBlank()) {
            throw OspreyException.invalid("Webhook name cannot be empty.");
        }
        return name;
    }

    /** A webhook of the workspace, hearing only its events. */
    public Webhook create(Changes c, String workspace) {
        String url = c.url().orElseThrow(() -> OspreyException.invalid("Missing value for required parameter "
                + "'url'."));
        guard.check(url);
        long now = clock.millis();
        Webhook w = new Webhook(UUID.randomUUID().toString().replace("-", ""), name(c.name().orElse("")),
                c.description().filter(d -> !d.isEmpty()), url, events(c.events().orElse(List.of())),
                status(c.status().orElse("ACTIVE")), now, now, c.secret().filter(s -> !s.isEmpty()).map(secrets::seal),
                workspace);
        store.create(w);
        dispatcher.refresh();
        return w;
    }

    public Webhook get(String id) {
        return store.get(id).orElseThrow(() -> OspreyException.notFound("Webhook with ID " + id + " not found."));
    }

    public Page<Webhook> list(String workspace, long maxResults, Optional<String> pageToken) {
        if (maxResults > MAX_RESULTS) {
            throw OspreyException.invalid("max_results must be at most " + MAX_RESULTS + ", got " + maxResults + ".");
        }
        return store.list(workspace, maxResults <= 0 ? DEFAULT_RESULTS : (int) maxResults, pageToken);
    }

    public Webhook update(String id, Changes c) {
        Webhook old = get(id);
        c.url().ifPresent(guard::check);
        Webhook w = new Webhook(id, c.name().map(WebhookService::name).orElse(old.name()),
                c.description().isPresent() ? c.description().filter(d -> !d.isEmpty()) : old.description(),
                c.url().orElse(old.url()), c.events().map(WebhookService::events).orElse(old.events()),
                c.status().map(WebhookService::status).orElse(old.status()), old.creationTimestamp(), clock.millis(),
                c.secret().isPresent() ? c.secret().filter(s -> !s.isEmpty()).map(secrets::seal)
                        : old.sealedSecret(), old.workspace());
        store.update(w);
        dispatcher.refresh();
        return w;
    }

    public void delete(String id) {
        store.delete(id);
        dispatcher.refresh();
    }

    /** Sends an example of one subscribed event (the first one by default) and reports what happened. */
    public WebhookDispatcher.Result test(String id, Optional<Webhook.Event> event) {
        Webhook w = get(id);
        Webhook.Event e = event.orElse(w.events().get(0));
        if (!SUPPORTED.contains(e)) {
            throw OspreyException.invalid("Unsupported webhook event " + e.entity() + "." + e.action() + ".");
        }
        return dispatcher.test(w, e.entity(), e.action(), example(e));
    }

    private static ObjectNode example(Webhook.Event e) {
        ObjectNode data = Json.object();
        data.put("name", "example_" + e.entity().toLowerCase(java.util.Locale.ROOT));
        if (e.entity().endsWith("VERSION") || e.entity().endsWith("VERSION_TAG") || e.entity().endsWith("ALIAS")) {
            data.put("version", "1");
        }
        if (e.entity().endsWith("TAG")) {
            data.put("key", "example_key");
            if (e.action().equals("SET")) {
                data.put("value", "example_value");
            }
        }
        if (e.entity().endsWith("ALIAS")) {
            data.put("alias", "example_alias");
        }
        if (e.entity().equals("MODEL_VERSION")) {
            data.put("source", "models:/example/1").put("run_id", "");
        }
        if (e.entity().equals("PROMPT_VERSION")) {
            data.put("template", "Hello {{ name }}");
        }
        if (e.action().equals("CREATED") && !e.entity().endsWith("ALIAS")) {
            data.putObject("tags");
            data.putNull("description");
        }
        return data;
    }
}
