package dev.osprey.server.auth;

import dev.osprey.core.OspreyException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** MLflow's permission names and what each allows. */
public enum Permission {
    READ(true, false, false, false, false),
    USE(true, true, false, false, false),
    EDIT(true, true, true, false, false),
    MANAGE(true, true, true, true, true),
    NO_PERMISSIONS(false, false, false, false, false);

    /** What a call needs on its resource. */
    public enum Need { READ, USE, UPDATE, DELETE, MANAGE }

    private final boolean read;
    private final boolean use;
    private final boolean update;
    private final boolean delete;
    private final boolean manage;

    Permission(boolean read, boolean use, boolean update, boolean delete, boolean manage) {
        this.read = read;
        this.use = use;
        this.update = update;
        this.delete = delete;
        this.manage = manage;
    }

    public boolean allows(Need need) {
        return switch (need) {
            case READ -> read;
            case USE -> use;
            case UPDATE -> update;
            case DELETE -> delete;
            case MANAGE -> manage;
        };
    }

    /** MLflow's message for an unknown name, INVALID_PARAMETER_VALUE. */
    public static Permission parse(String name) {
        for (Permission p : values()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw OspreyException.invalid("Invalid permission '" + name + "'. Valid permissions are: ("
                + Arrays.stream(values()).map(Permission::name).collect(Collectors.joining(", ")) + ")");
    }
}
