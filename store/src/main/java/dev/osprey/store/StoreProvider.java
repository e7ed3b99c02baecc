package dev.osprey.store;

import java.util.Set;

/**
 * Opens a {@link StorageComponent} for the URI schemes it names ({@code sqlite}, {@code postgresql}, ...). Found with
 * {@link java.util.ServiceLoader}, so a backend is a jar on the class path.
 */
public interface StoreProvider {
    Set<String> schemes();

    StorageComponent open(String uri);

    /** The component with the operator's connection settings (backends without a connection pool ignore them). */
    default StorageComponent open(String uri, StoreSettings settings) {
        return open(uri);
    }
}
