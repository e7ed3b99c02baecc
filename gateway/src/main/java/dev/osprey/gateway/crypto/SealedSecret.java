package dev.osprey.gateway.crypto;

import java.util.Objects;

/**
 * A secret as stored: its value encrypted with a per-secret data key, and that data key encrypted (wrapped) with the
 * key-encryption key whose fingerprint is {@code kekId}. Both are base64 of nonce followed by AES-GCM output.
 */
public record SealedSecret(String kekId, String wrappedKey, String ciphertext) {
    public SealedSecret {
        Objects.requireNonNull(kekId, "kekId");
        Objects.requireNonNull(wrappedKey, "wrappedKey");
        Objects.requireNonNull(ciphertext, "ciphertext");
    }

    @Override
    public String toString() {
        return "SealedSecret[kek=" + kekId + "]";
    }
}
