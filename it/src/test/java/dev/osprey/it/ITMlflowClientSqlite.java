package dev.osprey.it;

class ITMlflowClientSqlite extends MlflowJavaClientContract {
    @Override
    protected String backendStoreUri() {
        return Backends.freshSqlite();
    }
}
