package dev.osprey.storesql;

import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import dev.osprey.storetck.DatasetStoreTck;

class MysqlDatasetStoreTest extends DatasetStoreTck {
    @Override
    protected TrackingStore openStore() {
        return Stores.open(TestDatabases.mysqlUrl());
    }
}
