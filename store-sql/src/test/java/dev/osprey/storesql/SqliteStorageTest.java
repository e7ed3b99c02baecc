package dev.osprey.storesql;

import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.storetck.StorageKit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** The whole store kit on SQLite, a fresh database file per suite. */
class SqliteStorageTest extends StorageKit {
    @Override
    protected StorageComponent openStorage() {
        try {
            return Stores.open("sqlite:///" + Files.createTempDirectory("osprey-tck") + "/osprey.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
