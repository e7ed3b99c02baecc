package dev.osprey.store;

import dev.osprey.core.OspreyException;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Picks the {@link StoreProvider} for a backend store URI by its scheme. */
public final class Stores {
    private Stores() {}

    public static StorageComponent open(String uri) {
        return open(uri, StoreSettings.DEFAULTS);
    }

    public static StorageComponent open(String uri, StoreSettings settings) {
        int colon = uri.indexOf(':');
        String scheme = colon < 0 ? "" : uri.substring(0, colon);
        int plus = scheme.indexOf('+');
        if (plus >= 0) {
            // SQLAlchemy-style driver suffixes (mysql+pymysql://) name the same backend.
            scheme = scheme.substring(0, plus);
        }
        TreeSet<String> known = new TreeSet<>();
        for (StoreProvider provider : ServiceLoader.load(StoreProvider.class)) {
            if (provider.schemes().contains(scheme)) {
                return provider.open(uri, settings);
            }
            known.addAll(provider.schemes());
        }
        throw OspreyException.invalid("Unsupported backend store URI '" + redact(uri) + "': no store for scheme '"
                + scheme + "'. Supported schemes: " + known + ", e.g. sqlite:///path/to/osprey.db or "
                + "postgresql://user:password@host:5432/db.");
    }

    /** The URI with any password replaced, for messages and logs. */
    public static String redact(String uri) {
        return uri.replaceAll("(://[^:/@]+:)[^@]*@", "$1***@");
    }
}
