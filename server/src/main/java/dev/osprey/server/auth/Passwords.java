package dev.osprey.server.auth;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Argon2id password hashes in PHC string form ({@code $argon2id$v=19$m=...}), salted per password. The parameters
 * follow OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane); verification reads them from the stored hash, so
 * raising them later keeps old hashes valid.
 */
public final class Passwords {
    private static final Argon2Function ARGON2ID = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    /** Verified against when the user does not exist, so an unknown name costs as much time as a wrong password. */
    private static final String DUMMY = hash("osprey-no-such-user-" + System.nanoTime());

    private Passwords() {}

    public static String hash(String password) {
        return Password.hash(password).addRandomSalt(16).with(ARGON2ID).getResult();
    }

    public static boolean verify(String password, String hash) {
        try {
            return Password.check(password, hash).with(ARGON2ID);
        } catch (RuntimeException e) {
            return false; // not a hash this server made
        }
    }

    /** Burns one verification's time for a user that does not exist. */
    public static void verifyNothing(String password) {
        verify(password, DUMMY);
    }
}
