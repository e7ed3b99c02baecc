package dev.osprey.storesql;

import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import dev.osprey.storetck.TraceStoreTck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

class SqliteTraceStoreTest extends TraceStoreTck {
    @Override
    protected TrackingStore openStore() {
        try {
            return Stores.open("sqlite:///" + Files.createTempDirectory("osprey-trace-tck") + "/osprey.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
