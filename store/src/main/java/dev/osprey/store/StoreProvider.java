package dev.osprey.store;

import java.util.Set;

/**
 * Opens a {@link TrackingStore} for the URI schemes it names ({@code sqlite}, {@code postgresql}, ...). Found with
 * {@link java.util.ServiceLoader}, so a backend is a jar on the class path.
 */
public interface StoreProvider {
    Set<String> schemes();

    TrackingStore open(String uri);

    /** The store with the operator's connection settings (backends without a connection pool ignore them). */
    default TrackingStore open(String uri, StoreSettings settings) {
        return open(uri);
    }
}
