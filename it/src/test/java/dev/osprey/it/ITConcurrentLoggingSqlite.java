package dev.osprey.it;

class ITConcurrentLoggingSqlite extends ConcurrentLoggingContract {
    @Override
    protected String backendStoreUri() {
        return Backends.freshSqlite();
    }
}
