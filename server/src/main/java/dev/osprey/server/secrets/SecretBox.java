package dev.osprey.server.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets (webhook signing secrets, later gateway credentials) with AES-256-GCM before they reach the database,
 * so a database dump holds no usable secret. The key comes from {@code OSPREY_SECRETS_KEY} (base64 of 32 bytes) or a
 * key file created on first use with owner-only permissions.
 */
public final class SecretBox {
    private static final String PREFIX = "v1:";
    private static final int NONCE = 12;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    private SecretBox(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("The secrets key must be 32 bytes (base64 of 32 random bytes).");
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    /** The key from the environment, else from {@code keyFile} (created with a fresh random key if missing). */
    public static SecretBox open(Optional<String> base64Key, Path keyFile) throws IOException {
        if (base64Key.isPresent()) {
            return new SecretBox(Base64.getDecoder().decode(base64Key.get().trim()));
        }
        if (!Files.exists(keyFile)) {
            Files.createDirectories(keyFile.toAbsolutePath().getParent());
            byte[] fresh = new byte[32];
            RANDOM.nextBytes(fresh);
            Path temp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
            Files.writeString(temp, Base64.getEncoder().encodeToString(fresh));
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the directory's permissions apply
            }
            try {
                Files.move(temp, keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                Files.deleteIfExists(temp);
            }
        }
        return new SecretBox(Base64.getDecoder().decode(Files.readString(keyFile).trim()));
    }

    public String seal(String secret) {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /** The plaintext of a sealed value; fails if it was sealed with another key or altered. */
    public String open(String sealed) {
        if (!sealed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("Not a sealed secret.");
        }
        try {
            byte[] in = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE));
            return new String(cipher.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("A stored secret cannot be opened with this server's key (was "
                    + "OSPREY_SECRETS_KEY or the key file changed?)", e);
        }
    }
}
