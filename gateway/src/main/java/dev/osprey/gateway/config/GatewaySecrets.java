package dev.osprey.gateway.config;

import static dev.osprey.gateway.config.ConfigDocuments.MODEL;
import static dev.osprey.gateway.config.ConfigDocuments.SECRET;
import static dev.osprey.gateway.config.ConfigFields.given;
import static dev.osprey.gateway.config.ConfigFields.stringMap;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.crypto.Envelope;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.provider.Providers;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.store.GatewayStore.GatewayDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Provider credentials: sealed with the key-encryption key before they are stored, answered masked, opened only to
 * build the invocation snapshot. A secret's {@code api_base} passes the URL guard when it is set.
 */
public final class GatewaySecrets {
    private final ConfigDocuments docs;
    private final Optional<KeyEncryptionKey> kek;
    private final UrlGuard guard;

    public GatewaySecrets(ConfigDocuments docs, Optional<KeyEncryptionKey> kek, UrlGuard guard) {
        this.docs = docs;
        this.kek = kek;
        this.guard = guard;
    }

    /** Whether this server can store and open secrets (it has a key-encryption key). */
    public boolean available() {
        return kek.isPresent();
    }

    public GatewaySecret create(Message m) {
        KeyEncryptionKey key = requireKek();
        String name = ConfigFields.name(m, "secret_name");
        Map<String, String> values = stringMap(m, "secret_value");
        if (values.isEmpty()) {
            throw Message.missing("secret_value");
        }
        Optional<String> provider = m.string("provider").filter(p -> !p.isBlank());
        provider.ifPresent(Providers::adapter);
        Map<String, String> authConfig = stringMap(m, "auth_config");
        checkAuthConfig(authConfig);
        String id = ConfigDocuments.newId("s-");
        long now = docs.now();
        GatewaySecret secret = new GatewaySecret(id, name, provider, masked(values), authConfig,
                Envelope.seal(key, id, Json.write(GatewayCodec.stringMapJson(values))),
                Audit.created(now, m.string("created_by")));
        docs.insert(SECRET, id, name, GatewayCodec.storedSecret(secret), now);
        return secret;
    }

    /** By {@code secret_id}, else by {@code secret_name} in the workspace. */
    public GatewaySecret get(Message m, String workspace) {
        return docs.byIdOrName(m, SECRET, "GatewaySecret", "secret_id", "secret_name", workspace,
                GatewayCodec::secretFromStore);
    }

    /** The secret with that id, or not found. */
    public GatewaySecret byId(String id) {
        return docs.require(SECRET, id, "GatewaySecret", "secret_id", GatewayCodec::secretFromStore);
    }

    /**
     * The secret with that id when it belongs to {@code workspace}: a secret of another workspace is not found, so
     * nothing run for one workspace spends another's provider credentials.
     */
    public GatewaySecret byId(String id, String workspace) {
        docs.store().get(SECRET, id).filter(d -> d.workspace().equals(workspace)).orElseThrow(() ->
                OspreyException.notFound("GatewaySecret with secret_id '" + id + "' not found in workspace '"
                        + workspace + "'."));
        return byId(id);
    }

    public Optional<String> nameOf(String id) {
        return docs.store().get(SECRET, id).map(GatewayDocument::name);
    }

    public GatewaySecret update(Message m) {
        GatewaySecret current = byId(m.requiredString("secret_id"));
        Map<String, String> values = stringMap(m, "secret_value");
        Map<String, String> authConfig = m.message("auth_config").isPresent() ? stringMap(m, "auth_config")
                : current.authConfig();
        checkAuthConfig(authConfig);
        GatewaySecret next = new GatewaySecret(current.secretId(), current.name(), current.provider(),
                values.isEmpty() ? current.maskedValues() : masked(values), authConfig,
                values.isEmpty() ? current.sealed() : Envelope.seal(requireKek(), current.secretId(),
                        Json.write(GatewayCodec.stringMapJson(values))),
                current.audit().updated(docs.now(), m.string("updated_by")));
        docs.update(SECRET, next.secretId(), next.name(), GatewayCodec.storedSecret(next), next.audit());
        return next;
    }

    /** Refused while a model definition uses it. */
    public void delete(Message m) {
        String id = m.requiredString("secret_id");
        byId(id);
        List<String> users = docs.list(MODEL, GatewayCodec::modelDefinitionFromStore).stream()
                .filter(d -> d.secretId().equals(id)).map(ModelDefinition::name).toList();
        docs.deleteUnlessUsed(SECRET, id, users, "Secret " + id + " is used by model definitions",
                "delete or update them first.");
    }

    public List<GatewaySecret> list(Message m) {
        Optional<String> provider = given(m, "provider");
        return docs.secrets().stream().filter(s -> provider.isEmpty() || s.provider().equals(provider)).toList();
    }

    /** The secret's values in plain text; the caller keeps them in memory only. */
    public Map<String, String> open(GatewaySecret secret) {
        byte[] plain = Envelope.open(kek.orElseThrow(() -> new IllegalStateException("no key-encryption key is "
                + "configured to open its secret")), secret.secretId(), secret.sealed());
        try {
            return GatewayCodec.stringMap(Json.read(plain));
        } catch (IOException e) {
            throw new IllegalStateException("A gateway secret holds no JSON object.");
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Re-wraps every secret's data key with {@code next}, all in one transaction. Returns how many. */
    public int rotateKek(KeyEncryptionKey current, KeyEncryptionKey next) {
        List<GatewayDocument> rewrapped = new ArrayList<>();
        for (GatewayDocument d : docs.store().list(SECRET)) {
            GatewaySecret s = GatewayCodec.secretFromStore(ConfigDocuments.parse(d));
            if (s.sealed().kekId().equals(next.id())) {
                continue;
            }
            GatewaySecret r = new GatewaySecret(s.secretId(), s.name(), s.provider(), s.maskedValues(),
                    s.authConfig(), Envelope.rewrap(current, next, s.secretId(), s.sealed()), s.audit());
            rewrapped.add(new GatewayDocument(SECRET, d.id(), d.name(), GatewayCodec.storedSecret(r), d.createdAt(),
                    d.updatedAt()));
        }
        if (!rewrapped.isEmpty()) {
            docs.store().updateAll(rewrapped);
        }
        return rewrapped.size();
    }

    private KeyEncryptionKey requireKek() {
        return kek.orElseThrow(() -> new OspreyException(ErrorCode.FEATURE_DISABLED, "This server has no gateway "
                + "key-encryption key, so it cannot store secrets. " + KeyEncryptionKey.HOW_TO_SET));
    }

    private void checkAuthConfig(Map<String, String> authConfig) {
        String base = authConfig.get("api_base");
        if (base != null && !base.isBlank()) {
            guard.check(base);
        }
    }

    private static Map<String, String> masked(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, GatewaySecret.mask(v)));
        return out;
    }
}
