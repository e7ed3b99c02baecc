package dev.osprey.it;

class ITMlflowClientPostgres extends MlflowJavaClientContract {
    @Override
    protected String backendStoreUri() {
        return Backends.postgres();
    }
}
