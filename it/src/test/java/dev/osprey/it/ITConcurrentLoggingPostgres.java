package dev.osprey.it;

class ITConcurrentLoggingPostgres extends ConcurrentLoggingContract {
    @Override
    protected String backendStoreUri() {
        return Backends.postgres();
    }
}
