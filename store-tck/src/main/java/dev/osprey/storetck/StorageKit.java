package dev.osprey.storetck;

import dev.osprey.store.StorageComponent;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The whole store kit for one backend: a backend's test extends this class once, says how to open a fresh
 * {@link StorageComponent}, and runs every store's contract as a nested suite. Each suite opens its own component
 * (a fresh database file where the backend has files) and closes it when done.
 */
public abstract class StorageKit {

    /** Opens the component under test, migrated; empty or not (the suites use unique names). */
    protected abstract StorageComponent openStorage();

    @Test
    public void aComponentChecksItsBackend_andSuppliesWhatItSays() {
        try (StorageComponent storage = openStorage()) {
            assertThatCode(storage::check).doesNotThrowAnyException();
            assertThat(storage.supplies()).isNotEmpty();
        }
    }

    @Nested
    class Tracking extends TrackingStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Registry extends RegistryStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Traces extends TraceStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Gateway extends GatewayStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Scorers extends ScorerStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Datasets extends DatasetStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Jobs extends JobStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Issues extends IssueStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Auth extends AuthStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }

    @Nested
    class Workspaces extends WorkspaceStoreTck {
        @Override
        protected StorageComponent openStorage() {
            return StorageKit.this.openStorage();
        }
    }
}
