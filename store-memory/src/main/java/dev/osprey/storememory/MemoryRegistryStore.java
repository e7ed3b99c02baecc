package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.ModelAlias;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import dev.osprey.store.AuthStore;
import dev.osprey.store.NewModelVersion;
import dev.osprey.store.PageTokens;
import dev.osprey.store.PromptFilter;
import dev.osprey.store.RegistryQuery;
import dev.osprey.store.RegistryStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** {@link RegistryStore} of one workspace on the in-memory tables. */
final class MemoryRegistryStore implements RegistryStore {
    private final MemoryDatabase db;
    private final String ws;

    MemoryRegistryStore(MemoryDatabase db, String workspace) {
        this.db = db;
        this.ws = workspace;
    }

    @Override
    public RegistryStore in(String workspace) {
        return workspace.equals(ws) ? this : new MemoryRegistryStore(db, workspace);
    }

    @Override
    public String workspace() {
        return ws;
    }

    /** This workspace's models by name; only under the lock. */
    private java.util.TreeMap<String, RegistryRows.ModelRow> models() {
        return db.models(ws);
    }

    private String grantId(String name) {
        return dev.osprey.store.ModelGrantId.of(ws, name);
    }

    private RegistryRows.ModelRow requireModel(String name) {
        RegistryRows.ModelRow m = models().get(name);
        if (m == null) {
            throw StoreErrors.registeredModelNotFound(name);
        }
        return m;
    }

    private RegistryRows.VersionRow requireVersion(String name, String version) {
        RegistryRows.ModelRow m = models().get(name);
        Optional<Long> n = Tables.parseLong(version);
        RegistryRows.VersionRow v = m == null || n.isEmpty() ? null : m.versions.get(n.get());
        if (v == null || !v.visible()) {
            throw StoreErrors.modelVersionNotFound(name, version);
        }
        return v;
    }

    private static List<Tag> tags(Map<String, String> tags) {
        return tags.entrySet().stream().map(t -> new Tag(t.getKey(), t.getValue())).toList();
    }

    static ModelVersion version(RegistryRows.ModelRow m, RegistryRows.VersionRow v) {
        List<String> aliases = m.aliases.entrySet().stream().filter(a -> a.getValue() == v.version)
                .map(Map.Entry::getKey).toList();
        return new ModelVersion(m.name, Long.toString(v.version), v.created, v.updated, v.description, v.userId,
                ModelStage.parse(v.stage).orElse(ModelStage.NONE), v.source, v.runId, v.runLink, v.status,
                tags(v.tags), aliases, v.modelId, v.storageLocation);
    }

    static RegisteredModel model(RegistryRows.ModelRow m) {
        Map<String, RegistryRows.VersionRow> latestPerStage = new LinkedHashMap<>();
        for (RegistryRows.VersionRow v : m.versions.values()) {
            if (v.visible()) {
                latestPerStage.put(v.stage, v);
            }
        }
        List<ModelVersion> latest = latestPerStage.values().stream()
                .sorted(Comparator.comparingLong(v -> v.version)).map(v -> version(m, v)).toList();
        List<ModelAlias> aliases = m.aliases.entrySet().stream()
                .map(a -> new ModelAlias(a.getKey(), Long.toString(a.getValue()))).toList();
        return new RegisteredModel(m.name, m.created, m.updated, m.description, latest, tags(m.tags), aliases);
    }

    @Override
    public RegisteredModel createRegisteredModel(String name, List<Tag> tags, Optional<String> description,
            long now) {
        return db.locked(() -> {
            if (models().containsKey(name)) {
                throw OspreyException.alreadyExists("Registered Model (name=" + name + ") already exists.");
            }
            RegistryRows.ModelRow m = new RegistryRows.ModelRow(name, now, description.filter(d -> !d.isEmpty()));
            tags.forEach(t -> m.tags.put(t.key(), t.value()));
            models().put(name, m);
            return model(m);
        });
    }

    @Override
    public Optional<RegisteredModel> getRegisteredModel(String name) {
        return db.locked(() -> Optional.ofNullable(models().get(name)).map(MemoryRegistryStore::model));
    }

    @Override
    public RegisteredModel renameRegisteredModel(String name, String newName, long now) {
        return db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            if (!name.equals(newName)) {
                if (models().containsKey(newName)) {
                    throw OspreyException.alreadyExists("Registered Model (name=" + newName
                            + ") already exists. Error: the name is taken.");
                }
                models().remove(name);
                m.name = newName;
                models().put(newName, m);
                m.versions.values().forEach(v -> v.updated = now);
                db.moveGrants(AuthStore.ResourceType.REGISTERED_MODEL, grantId(name), grantId(newName));
            }
            m.updated = now;
            return model(m);
        });
    }

    @Override
    public RegisteredModel updateRegisteredModel(String name, String description, long now) {
        return db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            m.description = Optional.of(description).filter(d -> !d.isEmpty());
            m.updated = now;
            return model(m);
        });
    }

    @Override
    public void deleteRegisteredModel(String name) {
        db.locked(() -> {
            requireModel(name);
            models().remove(name);
            db.forgetGrants(AuthStore.ResourceType.REGISTERED_MODEL, grantId(name));
        });
    }

    private static boolean isPrompt(Map<String, String> tags) {
        return "true".equalsIgnoreCase(tags.get(RegisteredModel.PROMPT_TAG));
    }

    @Override
    public Page<RegisteredModel> searchRegisteredModels(RegistryQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        boolean prompts = PromptFilter.asksForPrompts(q.filter());
        List<Condition> clauses = PromptFilter.clausesToApply(q.filter());
        return db.locked(() -> {
            List<RegistryRows.ModelRow> matching = models().values().stream()
                    .filter(m -> prompts || !isPrompt(m.tags))
                    .filter(m -> clauses.stream().allMatch(c -> switch (c.field()) {
                        case TAG -> Matching.text(Optional.ofNullable(m.tags.get(c.key())), c);
                        case ATTRIBUTE -> {
                            if (!c.key().equals("name")) {
                                throw OspreyException.invalid("Invalid attribute name: " + c.key());
                            }
                            yield Matching.text(m.name, c);
                        }
                        default -> throw new IllegalStateException(c.field().name());
                    }))
                    .sorted(modelOrder(q.orderBy())).toList();
            return Tables.page(matching, offset, q.maxResults(), MemoryRegistryStore::model);
        });
    }

    private static Comparator<RegistryRows.ModelRow> modelOrder(List<Ordering> orderBy) {
        List<Comparator<RegistryRows.ModelRow>> parts = new ArrayList<>();
        boolean nameOrdered = false;
        for (Ordering o : orderBy) {
            Comparator<RegistryRows.ModelRow> one = switch (o.key()) {
                case "name" -> {
                    nameOrdered = true;
                    yield Comparator.comparing(m -> m.name);
                }
                case "timestamp", "last_updated_timestamp" -> Comparator.comparingLong(m -> m.updated);
                default -> throw OspreyException.invalid("Invalid order by key '" + o.key() + "' specified.");
            };
            parts.add(o.ascending() ? one : one.reversed());
        }
        if (!nameOrdered) {
            parts.add(Comparator.comparing(m -> m.name));
        }
        return parts.stream().reduce(Comparator::thenComparing).orElseThrow();
    }

    @Override
    public List<ModelVersion> getLatestVersions(String name, List<ModelStage> stages) {
        return db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            return model(m).latestVersions().stream().filter(v -> stages.isEmpty()
                    || stages.contains(v.currentStage())).toList();
        });
    }

    @Override
    public void setRegisteredModelTag(String name, Tag tag, long now) {
        db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            m.tags.put(tag.key(), tag.value());
            m.updated = now;
        });
    }

    @Override
    public void deleteRegisteredModelTag(String name, String key) {
        db.locked(() -> {
            requireModel(name).tags.remove(key);
        });
    }

    @Override
    public void setAlias(String name, String alias, String version, long now) {
        db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            RegistryRows.VersionRow v = requireVersion(name, version);
            m.aliases.put(alias, v.version);
            m.updated = now;
        });
    }

    @Override
    public void deleteAlias(String name, String alias) {
        db.locked(() -> {
            requireModel(name).aliases.remove(alias);
        });
    }

    @Override
    public ModelVersion getModelVersionByAlias(String name, String alias) {
        return db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            Long n = m.aliases.get(alias);
            if (n == null) {
                throw OspreyException.invalid("Registered model alias " + alias + " not found.");
            }
            RegistryRows.VersionRow v = m.versions.get(n);
            if (v == null || !v.visible()) {
                throw StoreErrors.modelVersionNotFound(name, Long.toString(n));
            }
            return version(m, v);
        });
    }

    @Override
    public ModelVersion createModelVersion(NewModelVersion nv) {
        return db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(nv.name());
            long n = m.versions.isEmpty() ? 1 : m.versions.lastKey() + 1;
            RegistryRows.VersionRow v = new RegistryRows.VersionRow(n, nv.now(),
                    nv.description().filter(d -> !d.isEmpty()), nv.source(), nv.runId(), nv.runLink(),
                    ModelVersion.READY, nv.storageLocation(), nv.modelId());
            nv.tags().forEach(t -> v.tags.put(t.key(), t.value()));
            m.versions.put(n, v);
            m.updated = nv.now();
            return version(m, v);
        });
    }

    @Override
    public Optional<ModelVersion> getModelVersion(String name, String version) {
        return db.locked(() -> {
            RegistryRows.ModelRow m = models().get(name);
            Optional<Long> n = Tables.parseLong(version);
            if (m == null || n.isEmpty() || !m.versions.containsKey(n.get()) || !m.versions.get(n.get()).visible()) {
                return Optional.empty();
            }
            return Optional.of(version(m, m.versions.get(n.get())));
        });
    }

    @Override
    public ModelVersion updateModelVersion(String name, String version, String description, long now) {
        return db.locked(() -> {
            RegistryRows.VersionRow v = requireVersion(name, version);
            v.description = Optional.of(description).filter(d -> !d.isEmpty());
            v.updated = now;
            return version(models().get(name), v);
        });
    }

    @Override
    public void deleteModelVersion(String name, String version, long now) {
        db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            RegistryRows.VersionRow v = requireVersion(name, version);
            v.stage = ModelStage.DELETED_INTERNAL;
            v.description = Optional.empty();
            v.userId = "";
            v.source = "REDACTED-SOURCE-PATH";
            v.runId = "REDACTED-RUN-ID";
            v.runLink = "REDACTED-RUN-LINK";
            v.updated = now;
            m.aliases.values().removeIf(n -> n == v.version);
            m.updated = now;
        });
    }

    @Override
    public ModelVersion transitionStage(String name, String version, ModelStage stage, boolean archiveExisting,
            long now) {
        if (archiveExisting && !stage.isActive()) {
            throw OspreyException.invalid("Model version transition cannot archive existing model versions because '"
                    + stage.wireName() + "' is not an Active stage. Valid stages are Staging, Production.");
        }
        return db.locked(() -> {
            RegistryRows.ModelRow m = requireModel(name);
            RegistryRows.VersionRow v = requireVersion(name, version);
            if (archiveExisting) {
                for (RegistryRows.VersionRow other : m.versions.values()) {
                    if (other != v && other.stage.equals(stage.wireName())) {
                        other.stage = ModelStage.ARCHIVED.wireName();
                        other.updated = now;
                    }
                }
            }
            v.stage = stage.wireName();
            v.updated = now;
            m.updated = now;
            return version(m, v);
        });
    }

    @Override
    public Page<ModelVersion> searchModelVersions(RegistryQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        boolean prompts = PromptFilter.asksForPrompts(q.filter());
        List<Condition> clauses = PromptFilter.clausesToApply(q.filter());
        return db.locked(() -> {
            record Hit(RegistryRows.ModelRow model, RegistryRows.VersionRow version) {}
            List<Hit> hits = new ArrayList<>();
            for (RegistryRows.ModelRow m : models().values()) {
                for (RegistryRows.VersionRow v : m.versions.values()) {
                    if (v.visible() && (prompts || !isPrompt(v.tags))
                            && clauses.stream().allMatch(c -> matches(m, v, c))) {
                        hits.add(new Hit(m, v));
                    }
                }
            }
            List<Comparator<Hit>> parts = new ArrayList<>();
            boolean nameOrdered = false;
            boolean versionOrdered = false;
            for (Ordering o : q.orderBy()) {
                Comparator<Hit> one = switch (o.key()) {
                    case "name" -> {
                        nameOrdered = true;
                        yield Comparator.comparing(h -> h.model().name);
                    }
                    case "version_number" -> {
                        versionOrdered = true;
                        yield Comparator.comparingLong(h -> h.version().version);
                    }
                    case "creation_timestamp" -> Comparator.comparingLong(h -> h.version().created);
                    case "last_updated_timestamp" -> Comparator.comparingLong(h -> h.version().updated);
                    default -> throw OspreyException.invalid("Invalid order by key '" + o.key() + "' specified.");
                };
                parts.add(o.ascending() ? one : one.reversed());
            }
            if (q.orderBy().isEmpty()) {
                parts.add(Comparator.<Hit>comparingLong(h -> h.version().updated).reversed());
            }
            if (!nameOrdered) {
                parts.add(Comparator.comparing(h -> h.model().name));
            }
            if (!versionOrdered) {
                parts.add(Comparator.<Hit>comparingLong(h -> h.version().version).reversed());
            }
            hits.sort(parts.stream().reduce(Comparator::thenComparing).orElseThrow());
            return Tables.page(hits, offset, q.maxResults(), h -> version(h.model(), h.version()));
        });
    }

    private static boolean matches(RegistryRows.ModelRow m, RegistryRows.VersionRow v, Condition c) {
        return switch (c.field()) {
            case TAG -> Matching.text(Optional.ofNullable(v.tags.get(c.key())), c);
            case ATTRIBUTE -> switch (c.key()) {
                case "name" -> Matching.text(m.name, c);
                case "run_id" -> Matching.text(v.runId, c);
                case "source_path" -> Matching.text(v.source, c);
                case "version_number" -> Matching.integer(v.version, c);
                default -> throw OspreyException.invalid("Invalid attribute name: " + c.key());
            };
            default -> throw new IllegalStateException(c.field().name());
        };
    }

    @Override
    public void setModelVersionTag(String name, String version, Tag tag, long now) {
        db.locked(() -> {
            requireVersion(name, version).tags.put(tag.key(), tag.value());
        });
    }

    @Override
    public void deleteModelVersionTag(String name, String version, String key) {
        db.locked(() -> {
            requireVersion(name, version).tags.remove(key);
        });
    }

    /** Registry versions made from each logged model, by model id (for logged models' registrations). */
    static Map<String, List<dev.osprey.core.LoggedModel.Registration>> registrations(MemoryDatabase db) {
        Map<String, List<dev.osprey.core.LoggedModel.Registration>> out = new TreeMap<>();
        for (RegistryRows.ModelRow m : db.models.values().stream().flatMap(w -> w.values().stream()).toList()) {
            for (RegistryRows.VersionRow v : m.versions.values()) {
                if (v.visible() && v.modelId.isPresent()) {
                    out.computeIfAbsent(v.modelId.get(), k -> new ArrayList<>())
                            .add(new dev.osprey.core.LoggedModel.Registration(m.name, Long.toString(v.version)));
                }
            }
        }
        return out;
    }
}
