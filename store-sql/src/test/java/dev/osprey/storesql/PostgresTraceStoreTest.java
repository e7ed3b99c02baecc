package dev.osprey.storesql;

import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import dev.osprey.storetck.TraceStoreTck;

class PostgresTraceStoreTest extends TraceStoreTck {
    @Override
    protected TrackingStore openStore() {
        return Stores.open(TestDatabases.postgresUrl());
    }
}
