package dev.osprey.it;

import dev.osprey.storesql.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** Backend store URIs for server processes under test. */
final class Backends {
    private Backends() {}

    static String freshSqlite() {
        try {
            return "sqlite:///" + Files.createTempDirectory("osprey-it") + "/osprey.db";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String postgres() {
        return TestDatabases.postgresUrl();
    }

    static String mysql() {
        return TestDatabases.mysqlUrl();
    }
}
