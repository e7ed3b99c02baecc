package dev.osprey.cli;

import dev.osprey.core.OspreyException;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code osprey db upgrade URI}: migrates a backend store's schema to this version, as {@code mlflow db upgrade}. */
@Command(name = "db", mixinStandardHelpOptions = true, description = "Database maintenance.",
        subcommands = DbCommand.Upgrade.class)
public final class DbCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** Applies pending schema migrations. */
    @Command(name = "upgrade", mixinStandardHelpOptions = true, description = "Apply pending schema migrations.")
    static final class Upgrade implements Callable<Integer> {
        @Parameters(paramLabel = "URI", description = "Backend store URI, as for --backend-store-uri.")
        String uri;

        @Override
        public Integer call() {
            System.out.println("Migrating " + Stores.redact(uri) + " ...");
            try (StorageComponent store = Stores.open(uri)) {
                store.check();
            } catch (OspreyException e) {
                System.err.println("osprey db upgrade: " + e.getMessage());
                return 2;
            }
            System.out.println("Schema is up to date.");
            return 0;
        }
    }
}
