package dev.osprey.server.auth;

import dev.osprey.core.OspreyException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a chosen password must be (NIST SP 800-63B 5.1.1.2): at least {@code minLength} characters (default 12,
 * {@code OSPREY_AUTH_MIN_PASSWORD_LENGTH}, never below MLflow's 8) and not one of the commonly used passwords bundled
 * with the server (compared without case). No composition rules, as NIST advises. Applied to user creation, password
 * changes and the admin bootstrap password.
 */
public record PasswordPolicy(int minLength) {
    public static final int DEFAULT_MIN_LENGTH = 12;
    /** MLflow's own minimum; a lower setting would accept passwords MLflow refuses. */
    public static final int FLOOR = 8;
    public static final PasswordPolicy DEFAULT = new PasswordPolicy(DEFAULT_MIN_LENGTH);
    static final String MIN_LENGTH_VARIABLE = "OSPREY_AUTH_MIN_PASSWORD_LENGTH";
    private static final Set<String> COMMON = load("common-passwords.txt");

    public PasswordPolicy {
        if (minLength < FLOOR) {
            throw new IllegalArgumentException(MIN_LENGTH_VARIABLE + " must be " + FLOOR + " or more, got "
                    + minLength + ".");
        }
    }

    /** The policy {@code OSPREY_AUTH_MIN_PASSWORD_LENGTH} sets, else the default. */
    public static PasswordPolicy fromEnvironment(Map<String, String> env) {
        String value = env.getOrDefault(MIN_LENGTH_VARIABLE, "").trim();
        if (value.isEmpty()) {
            return DEFAULT;
        }
        try {
            return new PasswordPolicy(Integer.parseInt(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MIN_LENGTH_VARIABLE + " must be a number, got '" + value + "'.");
        }
    }

    /** {@code INVALID_PARAMETER_VALUE} saying what to do when the password does not qualify. */
    public void check(String password) {
        if (password.codePointCount(0, password.length()) < minLength) {
            throw OspreyException.invalid("Password must be at least " + minLength + " characters long.");
        }
        if (COMMON.contains(password.toLowerCase(Locale.ROOT))) {
            throw OspreyException.invalid("This password is one of the most commonly used ones and is easy to guess; "
                    + "choose another (a few unrelated words make a long password that is easy to remember).");
        }
    }

    private static Set<String> load(String resource) {
        try (InputStream in = PasswordPolicy.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The bundled password list " + resource + " is missing");
            }
            Set<String> out = new HashSet<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    out.add(line);
                }
            }
            return Set.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
