package dev.osprey.core;

import java.util.Objects;

/** A registered model alias and the version it points at (a decimal string, as on the wire). */
public record ModelAlias(String alias, String version) {
    public ModelAlias {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(version, "version");
    }
}
