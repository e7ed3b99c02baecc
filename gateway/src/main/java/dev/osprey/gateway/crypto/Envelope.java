package dev.osprey.gateway.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of gateway secrets with AES-256-GCM. Each secret gets its own random data key; the secret id is
 * bound as associated data to both the value and the wrapped key, so a ciphertext copied onto another secret's row
 * does not open. Rotating the key-encryption key re-wraps data keys only; values are never re-encrypted.
 */
public final class Envelope {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private Envelope() {}

    public static SealedSecret seal(KeyEncryptionKey kek, String secretId, byte[] plaintext) {
        byte[] dataKey = new byte[32];
        RANDOM.nextBytes(dataKey);
        try {
            String ciphertext = encrypt(new SecretKeySpec(dataKey, "AES"), plaintext, valueAad(secretId));
            return new SealedSecret(kek.id(), encrypt(kek.key(), dataKey, keyAad(secretId)), ciphertext);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    public static byte[] open(KeyEncryptionKey kek, String secretId, SealedSecret sealed) {
        requireKey(kek, sealed);
        byte[] dataKey = decrypt(kek.key(), sealed.wrappedKey(), keyAad(secretId));
        try {
            return decrypt(new SecretKeySpec(dataKey, "AES"), sealed.ciphertext(), valueAad(secretId));
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The same secret with its data key wrapped by {@code next} instead of {@code current}. */
    public static SealedSecret rewrap(KeyEncryptionKey current, KeyEncryptionKey next, String secretId,
            SealedSecret sealed) {
        requireKey(current, sealed);
        byte[] dataKey = decrypt(current.key(), sealed.wrappedKey(), keyAad(secretId));
        try {
            return new SealedSecret(next.id(), encrypt(next.key(), dataKey, keyAad(secretId)), sealed.ciphertext());
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    private static void requireKey(KeyEncryptionKey kek, SealedSecret sealed) {
        if (!kek.id().equals(sealed.kekId())) {
            throw new IllegalStateException("A gateway secret was sealed with key " + sealed.kekId()
                    + " but the configured key is " + kek.id() + ". Configure the key it was sealed with, or run "
                    + "`osprey gateway rotate-kek` with both keys.");
        }
    }

    private static byte[] valueAad(String secretId) {
        return ("osprey-gateway-secret-value:" + secretId).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] keyAad(String secretId) {
        return ("osprey-gateway-secret-key:" + secretId).getBytes(StandardCharsets.UTF_8);
    }

    private static String encrypt(SecretKeySpec key, byte[] plaintext, byte[] aad) {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            byte[] sealed = cipher.doFinal(plaintext);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(NONCE + sealed.length).put(nonce)
                    .put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    private static byte[] decrypt(SecretKeySpec key, String base64, byte[] aad) {
        try {
            byte[] in = Base64.getDecoder().decode(base64);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            cipher.updateAAD(aad);
            return cipher.doFinal(in, NONCE, in.length - NONCE);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("A gateway secret does not open with the configured key (altered, or "
                    + "moved from another secret).");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("A gateway secret cannot be decrypted: " + e.getClass().getSimpleName());
        }
    }
}
