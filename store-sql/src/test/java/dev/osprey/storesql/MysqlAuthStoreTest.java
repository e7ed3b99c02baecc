package dev.osprey.storesql;

import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import dev.osprey.storetck.AuthStoreTck;

class MysqlAuthStoreTest extends AuthStoreTck {
    @Override
    protected TrackingStore openStore() {
        return Stores.open(TestDatabases.mysqlUrl());
    }
}
