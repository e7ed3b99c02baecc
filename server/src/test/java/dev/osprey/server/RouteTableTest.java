package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.server.api.Endpoint;
import dev.osprey.server.api.RawRoute;
import dev.osprey.server.api.Requirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The route table is the one source of what is served and what each route asks of its caller: every API endpoint
 * and every raw route declares a requirement, and {@code docs/routes.md} is rendered from the table (regenerate with
 * {@code ./mvnw -pl server test -Dtest=RouteTableTest -Dosprey.routes.write=true}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteTableTest {
    private static final Path DOC = Path.of("..", "docs", "routes.md");
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-routes");
        server = OspreyServer.start(WorkspacesTest.config(dir).withWorkspaces(true)
                .withAuth(new ServerConfig.AuthOptions(true, "READ", Optional.of("admin"),
                        Optional.of("route-table-admin-1"))));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void everyRoute_declaresWhatItAsksOfItsCaller() {
        assertThat(server.apiEndpoints().stream().filter(e -> e.requirement() == Requirement.UNDECLARED)
                .map(e -> e.method() + " " + e.path())).as("API endpoints without a requirement").isEmpty();
        assertThat(server.rawRoutes().stream().filter(r -> r.requirement() == Requirement.UNDECLARED)
                .map(RawRoute::pattern)).as("raw routes without a requirement").isEmpty();
    }

    @Test
    void theRoutesDocument_isRenderedFromTheTable() throws Exception {
        String rendered = render(server.apiEndpoints(), server.rawRoutes());
        if (Boolean.getBoolean("osprey.routes.write")) {
            Files.writeString(DOC, rendered);
        }
        assertThat(Files.exists(DOC) ? Files.readString(DOC) : "").as("docs/routes.md is out of date: run ./mvnw -pl "
                + "server test -Dtest=RouteTableTest -Dosprey.routes.write=true").isEqualTo(rendered);
    }

    private static String render(List<Endpoint> endpoints, List<RawRoute> raw) {
        StringBuilder out = new StringBuilder("""
                # Routes

                Rendered from the route table by `RouteTableTest` (server with basic auth and workspaces on); the test
                fails when this file is out of date. Regenerate with
                `./mvnw -pl server test -Dtest=RouteTableTest -Dosprey.routes.write=true`.

                ## API endpoints

                Each is served under `/api/<version>.0` and `<static prefix>/ajax-api/<version>.0`; "requires" is what
                the endpoint declares (`server.auth.Access`), decided by `AccessPolicy` when auth or workspaces are on.

                | method | path | version | requires |
                |---|---|---|---|
                """);
        endpoints.stream().sorted(Comparator.comparing(Endpoint::path).thenComparing(Endpoint::method)
                .thenComparingInt(Endpoint::majorVersion)).forEach(e -> out.append("| ").append(e.method())
                .append(" | `").append(e.path()).append("` | ").append(e.majorVersion()).append(" | ")
                .append(e.requirement().description()).append(" |\n"));
        out.append("""

                ## Other routes

                Tried in this order before the API router (`RawRouteTable`); the auth and workspace filters look up the
                same entries. With OIDC browser login, `/auth/login`, `/auth/callback` and `/auth/logout` come first
                (no login needed).

                | method | path | requires |
                |---|---|---|
                """);
        raw.forEach(r -> out.append("| ").append(r.method().map(m -> m.text()).orElse("any")).append(" | `")
                .append(r.pattern()).append("` | ").append(r.requirement().description()).append(" |\n"));
        return out.toString();
    }
}
