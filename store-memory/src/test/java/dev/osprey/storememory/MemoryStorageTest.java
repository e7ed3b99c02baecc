package dev.osprey.storememory;

import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.storetck.StorageKit;

/** The whole store kit on the in-memory backend, a fresh one per suite, opened by its URI as a server opens it. */
class MemoryStorageTest extends StorageKit {
    @Override
    protected StorageComponent openStorage() {
        return Stores.open("memory:");
    }
}
