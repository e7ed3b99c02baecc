package dev.osprey.server.graphql;

import graphql.language.Definition;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * MLflow's limits on a GraphQL request (mlflow/server/graphql/graphql_no_batching.py), checked before anything runs:
 * a query may not nest deeper than 10, select more than 1000 fields, ask for more than 10 root fields (so requests
 * cannot be batched into one) or use more than 10 aliases on one level.
 */
final class QuerySafety {
    static final int MAX_DEPTH = 10;
    static final int MAX_SELECTIONS = 1000;
    static final int MAX_ROOT_FIELDS = 10;
    static final int MAX_ALIASES = 10;

    private QuerySafety() {}

    private record Level(SelectionSet selections, int depth) {}

    /** Why the query is refused, in MLflow's words; empty when it may run. */
    static Optional<String> refusal(Document document) {
        int rootFields = 0;
        int maxAliases = 0;
        int total = 0;
        for (Definition<?> definition : document.getDefinitions()) {
            if (!(definition instanceof OperationDefinition operation) || operation.getSelectionSet() == null) {
                continue;
            }
            Deque<Level> stack = new ArrayDeque<>();
            stack.push(new Level(operation.getSelectionSet(), 1));
            while (!stack.isEmpty()) {
                Level level = stack.pop();
                if (level.depth() > MAX_DEPTH) {
                    return Optional.of("Query exceeds maximum depth of " + MAX_DEPTH);
                }
                int aliases = 0;
                for (Selection<?> selection : level.selections().getSelections()) {
                    if (!(selection instanceof Field field)) {
                        continue;
                    }
                    if (level.depth() == 1) {
                        rootFields++;
                    }
                    if (field.getAlias() != null) {
                        aliases++;
                    }
                    if (field.getSelectionSet() != null) {
                        stack.push(new Level(field.getSelectionSet(), level.depth() + 1));
                    }
                    if (++total > MAX_SELECTIONS) {
                        return Optional.of("Query exceeds maximum total selections of " + MAX_SELECTIONS);
                    }
                }
                maxAliases = Math.max(maxAliases, aliases);
            }
        }
        if (rootFields > MAX_ROOT_FIELDS) {
            return Optional.of(exceeds("root fields", rootFields, MAX_ROOT_FIELDS,
                    "MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS"));
        }
        if (maxAliases > MAX_ALIASES) {
            return Optional.of(exceeds("aliases", maxAliases, MAX_ALIASES, "MLFLOW_SERVER_GRAPHQL_MAX_ALIASES"));
        }
        return Optional.empty();
    }

    private static String exceeds(String what, int value, int limit, String setting) {
        return "GraphQL queries should have at most " + limit + " " + what + ", got " + value + " " + what + ". "
                + "(MLflow raises this with " + setting + "; this server's limit is fixed.)";
    }
}
