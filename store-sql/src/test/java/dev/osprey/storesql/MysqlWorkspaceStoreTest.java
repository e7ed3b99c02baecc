package dev.osprey.storesql;

import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import dev.osprey.storetck.WorkspaceStoreTck;

class MysqlWorkspaceStoreTest extends WorkspaceStoreTck {
    @Override
    protected TrackingStore openStore() {
        return Stores.open(TestDatabases.mysqlUrl());
    }
}
