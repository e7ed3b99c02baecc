package dev.osprey.storesql;

import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.storetck.StorageKit;

/** The whole store kit on MySQL / MariaDB ({@code OSPREY_TEST_MYSQL_URL}). */
class MysqlStorageTest extends StorageKit {
    @Override
    protected StorageComponent openStorage() {
        return Stores.open(TestDatabases.mysqlUrl());
    }
}
