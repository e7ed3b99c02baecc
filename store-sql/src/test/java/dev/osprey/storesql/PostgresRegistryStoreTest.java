package dev.osprey.storesql;

import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import dev.osprey.storetck.RegistryStoreTck;

class PostgresRegistryStoreTest extends RegistryStoreTck {
    @Override
    protected TrackingStore openStore() {
        return Stores.open(TestDatabases.postgresUrl());
    }
}
