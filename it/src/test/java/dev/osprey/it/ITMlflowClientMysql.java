package dev.osprey.it;

class ITMlflowClientMysql extends MlflowJavaClientContract {
    @Override
    protected String backendStoreUri() {
        return Backends.mysql();
    }
}
