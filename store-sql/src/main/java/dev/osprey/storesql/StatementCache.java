package dev.osprey.storesql;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps prepared statements of one connection for reuse. The SQLite driver compiles SQL on every
 * {@code prepareStatement}; the single writer connection runs the same few statements thousands of times a second,
 * so it keeps them compiled. A cached statement's {@code close()} only clears it. Not thread-safe: the connection
 * it wraps has one user at a time.
 */
final class StatementCache {
    private static final int MAX_STATEMENTS = 256;

    private StatementCache() {}

    static Connection wrap(Connection real) {
        Map<String, PreparedStatement> cache = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
                if (size() > MAX_STATEMENTS) {
                    try {
                        eldest.getValue().close();
                    } catch (SQLException ignored) {
                        // evicting a statement that cannot close leaves nothing to do
                    }
                    return true;
                }
                return false;
            }
        };
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement") && args != null && args.length == 1) {
                String sql = (String) args[0];
                PreparedStatement statement = cache.get(sql);
                if (statement == null) {
                    statement = real.prepareStatement(sql);
                    cache.put(sql, statement);
                }
                return new ReusableStatement(statement);
            }
            if (method.getName().equals("close")) {
                for (PreparedStatement s : cache.values()) {
                    s.close();
                }
                cache.clear();
            }
            return invoke(method, real, args);
        };
        return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
