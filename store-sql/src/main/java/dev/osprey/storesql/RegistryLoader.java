package dev.osprey.storesql;

import dev.osprey.core.ModelAlias;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads registered models and versions of one workspace with their tags, aliases and latest versions, a page at a
 * time.
 */
final class RegistryLoader {
    static final String VERSION_COLUMNS = "name, version, creation_time, last_updated_time, description, user_id, "
            + "current_stage, source, run_id, run_link, status, storage_location, model_id";
    private static final String VISIBLE = "current_stage <> '" + ModelStage.DELETED_INTERNAL + "'";

    private RegistryLoader() {}

    /** Name and version of one stored version. */
    record Key(String name, long version) {}

    /** The workspace, then the names: the arguments of {@code workspace = ? AND name IN (...)}. */
    private static Object[] inWorkspace(String workspace, List<String> names) {
        List<Object> args = new ArrayList<>(names.size() + 1);
        args.add(workspace);
        args.addAll(names);
        return args.toArray();
    }

    /** Versions by key, in the order given; missing or deleted ones are skipped. */
    static List<ModelVersion> versions(Connection c, String workspace, List<Key> keys) throws SQLException {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<String> names = keys.stream().map(Key::name).distinct().toList();
        List<Long> numbers = keys.stream().map(Key::version).distinct().toList();
        String in = Jdbc.marks(names.size());
        Object[] args = inWorkspace(workspace, names);
        // Names x numbers is a superset of the keys, but bounded by the page: never every version of a big model.
        String both = "workspace = ? AND name IN (" + in + ") AND version IN (" + Jdbc.marks(numbers.size()) + ")";
        List<Object> bothArgs = new ArrayList<>(List.of(args));
        bothArgs.addAll(numbers);
        Map<Key, VersionRow> rows = new HashMap<>();
        for (VersionRow row : Jdbc.list(c, "SELECT " + VERSION_COLUMNS + " FROM model_versions WHERE " + both
                + " AND " + VISIBLE, RegistryLoader::versionRow, bothArgs.toArray())) {
            rows.put(new Key(row.name, row.version), row);
        }
        Map<Key, List<Tag>> tags = new HashMap<>();
        for (Object[] t : Jdbc.list(c, "SELECT name, version, tag_key, tag_value FROM model_version_tags WHERE " + both
                + " ORDER BY tag_key", rs -> new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3),
                rs.getString(4)}, bothArgs.toArray())) {
            tags.computeIfAbsent(new Key((String) t[0], (Long) t[1]), k -> new ArrayList<>())
                    .add(new Tag((String) t[2], (String) t[3]));
        }
        Map<Key, List<String>> aliases = new HashMap<>();
        for (Object[] a : Jdbc.list(c, "SELECT name, version, alias FROM registered_model_aliases WHERE workspace = ? "
                + "AND name IN (" + in + ") ORDER BY alias", rs -> new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3)},
                args)) {
            aliases.computeIfAbsent(new Key((String) a[0], (Long) a[1]), k -> new ArrayList<>()).add((String) a[2]);
        }
        List<ModelVersion> out = new ArrayList<>(keys.size());
        for (Key key : keys) {
            VersionRow row = rows.get(key);
            if (row != null) {
                out.add(row.toVersion(tags.getOrDefault(key, List.of()), aliases.getOrDefault(key, List.of())));
            }
        }
        return out;
    }

    /** Registered models by name, in the order given, each with tags, aliases and latest versions. */
    static List<RegisteredModel> models(Connection c, String workspace, List<String> names) throws SQLException {
        if (names.isEmpty()) {
            return List.of();
        }
        String in = Jdbc.marks(names.size());
        Object[] args = inWorkspace(workspace, names);
        Map<String, Object[]> rows = new HashMap<>();
        for (Object[] r : Jdbc.list(c, "SELECT name, creation_time, last_updated_time, description FROM "
                + "registered_models WHERE workspace = ? AND name IN (" + in + ")", rs -> new Object[] {rs.getString(1), rs.getLong(2),
                rs.getLong(3), rs.getString(4)}, args)) {
            rows.put((String) r[0], r);
        }
        Map<String, List<Tag>> tags = new HashMap<>();
        for (String[] t : Jdbc.list(c, "SELECT name, tag_key, tag_value FROM registered_model_tags WHERE workspace = ? "
                + "AND name IN (" + in + ") ORDER BY tag_key", rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)},
                args)) {
            tags.computeIfAbsent(t[0], k -> new ArrayList<>()).add(new Tag(t[1], t[2]));
        }
        Map<String, List<ModelAlias>> aliases = new HashMap<>();
        for (Object[] a : Jdbc.list(c, "SELECT name, alias, version FROM registered_model_aliases WHERE workspace = ? "
                + "AND name IN (" + in + ") ORDER BY alias", rs -> new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3)},
                args)) {
            aliases.computeIfAbsent((String) a[0], k -> new ArrayList<>())
                    .add(new ModelAlias((String) a[1], Long.toString((Long) a[2])));
        }
        Map<String, List<ModelVersion>> latest = latestVersions(c, in, args, aliases);
        List<RegisteredModel> out = new ArrayList<>(names.size());
        for (String name : names) {
            Object[] r = rows.get(name);
            if (r != null) {
                out.add(new RegisteredModel(name, (Long) r[1], (Long) r[2], Optional.ofNullable((String) r[3]),
                        latest.getOrDefault(name, List.of()), tags.getOrDefault(name, List.of()),
                        aliases.getOrDefault(name, List.of())));
            }
        }
        return out;
    }

    /**
     * The highest visible version per stage of each model, with tags, in two queries that read exactly those
     * versions; their aliases come from the models' aliases already read.
     */
    private static Map<String, List<ModelVersion>> latestVersions(Connection c, String in, Object[] names,
            Map<String, List<ModelAlias>> modelAliases) throws SQLException {
        String latest = "(SELECT name, MAX(version) AS version FROM model_versions WHERE workspace = ? AND name IN ("
                + in + ") AND " + VISIBLE + " GROUP BY name, current_stage) l";
        // The outer name IN (...) repeats the subquery's: without it PostgreSQL hashes the whole tag table.
        Object[] twice = new Object[names.length * 2];
        System.arraycopy(names, 0, twice, 0, names.length);
        System.arraycopy(names, 0, twice, names.length, names.length);
        List<VersionRow> rows = Jdbc.list(c, "SELECT " + prefixed("v", VERSION_COLUMNS) + " FROM model_versions v "
                + "JOIN " + latest + " ON l.name = v.name AND l.version = v.version WHERE v.workspace = ? AND v.name "
                + "IN (" + in + ") ORDER BY v.name, v.version", RegistryLoader::versionRow, twice);
        Map<Key, List<Tag>> tags = new HashMap<>();
        for (Object[] t : Jdbc.list(c, "SELECT t.name, t.version, t.tag_key, t.tag_value FROM model_version_tags t "
                + "JOIN " + latest + " ON l.name = t.name AND l.version = t.version WHERE t.workspace = ? AND t.name "
                + "IN (" + in + ") ORDER BY t.tag_key", rs -> new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3),
                rs.getString(4)}, twice)) {
            tags.computeIfAbsent(new Key((String) t[0], (Long) t[1]), k -> new ArrayList<>())
                    .add(new Tag((String) t[2], (String) t[3]));
        }
        Map<String, List<ModelVersion>> out = new LinkedHashMap<>();
        for (VersionRow row : rows) {
            String version = Long.toString(row.version);
            List<String> aliases = modelAliases.getOrDefault(row.name, List.of()).stream()
                    .filter(a -> a.version().equals(version)).map(ModelAlias::alias).toList();
            out.computeIfAbsent(row.name, k -> new ArrayList<>()).add(row.toVersion(
                    tags.getOrDefault(new Key(row.name, row.version), List.of()), aliases));
        }
        return out;
    }

    private static String prefixed(String alias, String columns) {
        return alias + "." + String.join(", " + alias + ".", columns.split(", "));
    }

    private record VersionRow(String name, long version, long created, long updated, String description,
            String userId, String stage, String source, String runId, String runLink, String status,
            String storageLocation, String modelId) {
        ModelVersion toVersion(List<Tag> tags, List<String> aliases) {
            return new ModelVersion(name, Long.toString(version), created, updated, Optional.ofNullable(description)
                    .filter(d -> !d.isEmpty()), userId, ModelStage.parse(stage).orElse(ModelStage.NONE), source,
                    runId, runLink, status, tags, aliases, Optional.ofNullable(modelId), storageLocation);
        }
    }

    private static VersionRow versionRow(ResultSet rs) throws SQLException {
        return new VersionRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getString(11), rs.getString(12), rs.getString(13));
    }
}
