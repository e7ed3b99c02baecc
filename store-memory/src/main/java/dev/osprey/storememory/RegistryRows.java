package dev.osprey.storememory;

import dev.osprey.core.ModelStage;
import java.util.Optional;
import java.util.TreeMap;

/** The registry's rows in the in-memory backend; touched only under the database lock. */
final class RegistryRows {
    private RegistryRows() {}

    static final class ModelRow {
        String name;
        final long created;
        long updated;
        Optional<String> description;
        final TreeMap<String, String> tags = new TreeMap<>();
        final TreeMap<String, Long> aliases = new TreeMap<>();
        /** Every version ever created, deleted ones included: their numbers stay taken. */
        final TreeMap<Long, VersionRow> versions = new TreeMap<>();

        ModelRow(String name, long created, Optional<String> description) {
            this.name = name;
            this.created = created;
            this.updated = created;
            this.description = description;
        }
    }

    static final class VersionRow {
        final long version;
        final long created;
        long updated;
        Optional<String> description;
        String userId = "";
        String stage = ModelStage.NONE.wireName();
        String source;
        String runId;
        String runLink;
        final String status;
        final String storageLocation;
        final Optional<String> modelId;
        final TreeMap<String, String> tags = new TreeMap<>();

        VersionRow(long version, long created, Optional<String> description, String source, String runId,
                String runLink, String status, String storageLocation, Optional<String> modelId) {
            this.version = version;
            this.created = created;
            this.updated = created;
            this.description = description;
            this.source = source;
            this.runId = runId;
            this.runLink = runLink;
            this.status = status;
            this.storageLocation = storageLocation;
            this.modelId = modelId;
        }

        boolean visible() {
            return !stage.equals(ModelStage.DELETED_INTERNAL);
        }
    }
}
