package dev.osprey.storesql;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The server databases tests run against: URLs from {@code OSPREY_TEST_POSTGRES_URL} and
 * {@code OSPREY_TEST_MYSQL_URL}. Locally a missing URL skips those suites; under CI ({@code CI=true}) it fails them.
 */
public final class TestDatabases {
    private TestDatabases() {}

    public static String postgresUrl() {
        return required("OSPREY_TEST_POSTGRES_URL");
    }

    public static String mysqlUrl() {
        return required("OSPREY_TEST_MYSQL_URL");
    }

    private static String required(String variable) {
        Optional<String> url = Optional.ofNullable(System.getenv(variable)).filter(s -> !s.isBlank());
        if (url.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(variable + " is not set; CI must run the PostgreSQL and MySQL suites (see .ci/run).");
            }
            Assumptions.abort(variable + " is not set; skipping this backend (set it to run these tests).");
        }
        return url.get();
    }
}
