package dev.osprey.storesql;

import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.storetck.StorageKit;

/** The whole store kit on PostgreSQL ({@code OSPREY_TEST_POSTGRES_URL}). */
class PostgresStorageTest extends StorageKit {
    @Override
    protected StorageComponent openStorage() {
        return Stores.open(TestDatabases.postgresUrl());
    }
}
