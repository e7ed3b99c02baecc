package dev.osprey.store;

import java.time.Duration;

/**
 * How a backend store uses its database server, as the operator configured it ({@code -Dosprey.db.pool.size},
 * {@code -Dosprey.db.connection-timeout-ms}, resolved by the command line).
 *
 * @param poolSize connections kept to PostgreSQL or MySQL
 * @param connectionTimeout how long a call waits for a connection before it fails as the server's own failure
 */
public record StoreSettings(int poolSize, Duration connectionTimeout) {
    public static final StoreSettings DEFAULTS = new StoreSettings(20, Duration.ofSeconds(5));

    public StoreSettings {
        if (poolSize < 1) {
            throw new IllegalArgumentException("osprey.db.pool.size must be at least 1, got " + poolSize);
        }
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("osprey.db.connection-timeout-ms must be at least 250 (Hikari's "
                    + "minimum), got " + connectionTimeout.toMillis());
        }
    }
}
