package dev.osprey.store;

/** The kinds of store a {@link StorageComponent} can supply. */
public enum StoreKind {
    TRACKING,
    REGISTRY,
    LOGGED_MODELS,
    TRACES,
    WEBHOOKS,
    GATEWAY,
    SCORERS,
    DATASETS,
    JOBS,
    ISSUES,
    AUTH,
    WORKSPACES
}
