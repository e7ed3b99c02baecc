package dev.osprey.gateway.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that wraps every gateway secret's data key. It never touches the database: the operator supplies it as
 * {@code OSPREY_GATEWAY_KEK} (base64 of 32 bytes) or in the file named by {@code OSPREY_GATEWAY_KEK_FILE}. Its
 * {@link #id()} (a fingerprint, not the key) is stored with each secret so a rotation can tell which key sealed it.
 */
public final class KeyEncryptionKey {
    public static final String ENV = "OSPREY_GATEWAY_KEK";
    public static final String FILE_ENV = "OSPREY_GATEWAY_KEK_FILE";
    /** What to tell an operator who has no key yet. */
    public static final String HOW_TO_SET = "Set " + ENV + " to base64 of 32 random bytes (for example the output "
            + "of `openssl rand -base64 32`) or " + FILE_ENV + " to a file holding it, then restart the server.";

    private final SecretKeySpec key;
    private final String id;

    private KeyEncryptionKey(byte[] raw) {
        this.key = new SecretKeySpec(raw, "AES");
        this.id = fingerprint(raw);
    }

    /** Decodes a key given as base64 of exactly 32 bytes; {@code source} names where it came from in errors. */
    public static KeyEncryptionKey parse(String base64, String source) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is not valid base64. " + HOW_TO_SET);
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException(source + " must decode to 32 bytes, it has " + raw.length + ". "
                    + HOW_TO_SET);
        }
        return new KeyEncryptionKey(raw);
    }

    /** The key named by the environment ({@link #ENV} first, then {@link #FILE_ENV}), if any. */
    public static Optional<KeyEncryptionKey> fromEnvironment(Map<String, String> env) {
        String inline = env.get(ENV);
        if (inline != null && !inline.isBlank()) {
            return Optional.of(parse(inline, ENV));
        }
        String file = env.get(FILE_ENV);
        if (file != null && !file.isBlank()) {
            return Optional.of(fromFile(Path.of(file), FILE_ENV + " (" + file + ")"));
        }
        return Optional.empty();
    }

    public static KeyEncryptionKey fromFile(Path file, String source) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), source);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + source + ": " + e.getMessage());
        }
    }

    SecretKeySpec key() {
        return key;
    }

    /** A stable, non-secret fingerprint of the key (16 hex characters). */
    public String id() {
        return id;
    }

    private static String fingerprint(byte[] raw) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("osprey-gateway-kek-id".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest(raw), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "KeyEncryptionKey[" + id + "]";
    }
}
