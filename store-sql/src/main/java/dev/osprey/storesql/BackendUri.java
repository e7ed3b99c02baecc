package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.store.Stores;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A backend store URI as {@code mlflow server} takes it, turned into JDBC terms (public for tools such as the
 * benchmarks that need a raw connection to the same database). SQLite follows SQLAlchemy:
 * {@code sqlite:///relative.db} and {@code sqlite:////absolute/path.db}.
 */
public record BackendUri(SqlDialect dialect, String jdbcUrl, String user, String password,
        Optional<Path> sqliteFile) {

    public static BackendUri parse(String uri) {
        String scheme = uri.substring(0, Math.max(uri.indexOf(':'), 0));
        int plus = scheme.indexOf('+');
        String base = plus >= 0 ? scheme.substring(0, plus) : scheme;
        return switch (base) {
            case "sqlite" -> sqlite(uri);
            case "postgresql", "postgres" -> server(uri, SqlDialect.POSTGRES, "jdbc:postgresql://", 5432);
            case "mysql", "mariadb" -> server(uri, SqlDialect.MYSQL, "jdbc:mariadb://", 3306);
            default -> throw OspreyException.invalid("Unsupported backend store URI scheme '" + scheme + "'.");
        };
    }

    private static BackendUri sqlite(String uri) {
        String prefix = uri.startsWith("sqlite:///") ? "sqlite:///" : null;
        if (prefix == null || uri.length() == prefix.length()) {
            throw OspreyException.invalid("Invalid SQLite URI '" + uri + "'. Use sqlite:///relative/path.db or "
                    + "sqlite:////absolute/path.db.");
        }
        String rest = uri.substring(prefix.length());
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query);
        }
        Path file = Path.of(rest).toAbsolutePath().normalize();
        return new BackendUri(SqlDialect.SQLITE, "jdbc:sqlite:" + file, "", "", Optional.of(file));
    }

    private static BackendUri server(String uri, SqlDialect dialect, String jdbcPrefix, int defaultPort) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw OspreyException.invalid("Invalid backend store URI '" + Stores.redact(uri) + "': " + e.getReason());
        }
        String host = parsed.getHost();
        String path = parsed.getPath();
        if (host == null || path == null || path.length() <= 1) {
            throw OspreyException.invalid("Invalid backend store URI '" + Stores.redact(uri) + "'. Expected "
                    + parsed.getScheme() + "://user:password@host:port/database.");
        }
        int port = parsed.getPort() > 0 ? parsed.getPort() : defaultPort;
        String user = "";
        String password = "";
        if (parsed.getRawUserInfo() != null) {
            String[] parts = parsed.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : "";
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (parsed.getRawQuery() != null) {
            for (String pair : parsed.getRawQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        if (dialect == SqlDialect.POSTGRES) {
            params.putIfAbsent("reWriteBatchedInserts", "true");
        } else {
            // The MariaDB driver turns TLS on by default; a local server usually has none configured.
            if (isLoopback(host)) {
                params.putIfAbsent("sslMode", "disable");
            }
            params.putIfAbsent("rewriteBatchedStatements", "true");
            params.putIfAbsent("useBulkStmts", "true");
        }
        StringBuilder url = new StringBuilder(jdbcPrefix).append(host).append(':').append(port).append(path);
        char sep = '?';
        for (Map.Entry<String, String> e : params.entrySet()) {
            url.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = '&';
        }
        return new BackendUri(dialect, url.toString(), user, password, Optional.empty());
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
