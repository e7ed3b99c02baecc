package dev.osprey.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * An evaluation dataset's digest, the same in every backend: it covers every record's identity (its inputs key) and
 * last change, so it moves whenever the content does.
 */
public final class DatasetDigest {
    private DatasetDigest() {}

    /** The digest of a dataset holding these records (any order). */
    public static String of(List<DatasetStore.DatasetRecord> records) {
        return ofParts(records.stream().sorted(Comparator.comparing(DatasetStore.DatasetRecord::inputsKey))
                .map(r -> r.inputsKey() + ":" + r.lastUpdateTime()).toList());
    }

    /** The digest from {@code inputsKey:lastUpdateTime} parts already sorted by inputs key. */
    public static String ofParts(List<String> sortedParts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : sortedParts) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
