package dev.osprey.cli;

import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.GatewayConfigService;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.server.ServerConfig;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code osprey gateway ...}: operator tasks of the AI gateway. */
@Command(name = "gateway", mixinStandardHelpOptions = true, description = "AI gateway maintenance.",
        subcommands = GatewayCommand.RotateKek.class)
public final class GatewayCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /**
     * Re-wraps every gateway secret's data key with a new key-encryption key in one transaction. The current key
     * comes from the environment the server uses; afterwards the server must be started with the new one.
     */
    @Command(name = "rotate-kek", mixinStandardHelpOptions = true, description = "Re-wrap every gateway secret with "
            + "a new key-encryption key. The current key is read from OSPREY_GATEWAY_KEK or OSPREY_GATEWAY_KEK_FILE.")
    static final class RotateKek implements Callable<Integer> {
        @Option(names = "--backend-store-uri", defaultValue = "${env:OSPREY_BACKEND_STORE_URI:-"
                + "${env:MLFLOW_BACKEND_STORE_URI:-" + ServerConfig.DEFAULT_BACKEND + "}}",
                description = "Backend store URI, as the server's (default: ${DEFAULT-VALUE}).")
        String backendStoreUri;

        @Option(names = "--current-kek-file", paramLabel = "FILE", description = "File holding the current key; "
                + "default: OSPREY_GATEWAY_KEK or OSPREY_GATEWAY_KEK_FILE.")
        Path currentKekFile;

        @Option(names = "--new-kek-file", required = true, paramLabel = "FILE",
                description = "File holding the new key: base64 of 32 random bytes (openssl rand -base64 32).")
        Path newKekFile;

        @Override
        public Integer call() {
            KeyEncryptionKey current;
            KeyEncryptionKey next;
            try {
                current = currentKekFile != null
                        ? KeyEncryptionKey.fromFile(currentKekFile, "--current-kek-file " + currentKekFile)
                        : KeyEncryptionKey.fromEnvironment(System.getenv()).orElseThrow(() ->
                                new IllegalArgumentException("No current key. " + KeyEncryptionKey.HOW_TO_SET));
                next = KeyEncryptionKey.fromFile(newKekFile, "--new-kek-file " + newKekFile);
            } catch (IllegalArgumentException e) {
                System.err.println("osprey gateway rotate-kek: " + e.getMessage());
                return 2;
            }
            try (StorageComponent store = Stores.open(backendStoreUri)) {
                GatewayConfigService config = new GatewayConfigService(store.gateway(), Optional.of(current),
                        new UrlGuard(List.of(), "Provider base URL", "", true), Clock.systemUTC(),
                        new Budgets(store.gateway(), System::currentTimeMillis), (name, ws) -> "0");
                int rewrapped = config.secrets().rotateKek(current, next);
                System.out.println("Re-wrapped " + rewrapped + " gateway secret(s) with key " + next.id()
                        + ". Start the server with the new key (" + KeyEncryptionKey.FILE_ENV + "=" + newKekFile
                        + ").");
                return 0;
            } catch (OspreyException | IllegalStateException e) {
                System.err.println("osprey gateway rotate-kek: " + e.getMessage() + " Nothing was changed.");
                return 1;
            }
        }
    }
}
