package dev.osprey.it;

class ITConcurrentLoggingMysql extends ConcurrentLoggingContract {
    @Override
    protected String backendStoreUri() {
        return Backends.mysql();
    }
}
