package dev.osprey.storememory;

import dev.osprey.store.StorageComponent;
import dev.osprey.store.StoreProvider;
import java.util.Set;

/** Opens a fresh, empty {@link MemoryStorage} for {@code memory:} URIs. */
public final class MemoryStoreProvider implements StoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public StorageComponent open(String uri) {
        return new MemoryStorage();
    }
}
