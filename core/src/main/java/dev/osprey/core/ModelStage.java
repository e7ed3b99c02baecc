package dev.osprey.core;

import java.util.Locale;
import java.util.Optional;

/** Model version stages, by their canonical names. Deprecated in MLflow 3, still served. */
public enum ModelStage {
    NONE("None"),
    STAGING("Staging"),
    PRODUCTION("Production"),
    ARCHIVED("Archived");

    /** The stage of a soft-deleted version: invisible to every API; the row only reserves the number. */
    public static final String DELETED_INTERNAL = "Deleted_Internal";

    private final String wireName;

    ModelStage(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Staging and Production: the stages archive_existing_versions applies to. */
    public boolean isActive() {
        return this == STAGING || this == PRODUCTION;
    }

    /** The stage a client named, in any letter case. */
    public static Optional<ModelStage> parse(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (ModelStage s : values()) {
            if (s.wireName.toLowerCase(Locale.ROOT).equals(lower)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
