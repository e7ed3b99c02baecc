package dev.osprey.it;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A long stream of reproducible bytes made on the fly, so a gigabyte needs no disk or heap: a 1 MiB random block
 * repeated, with the index of each 64 KiB chunk written over its first 8 bytes so that no two chunks are alike and
 * a reordered or repeated chunk changes the checksum. Keeps the SHA-256 of what was read.
 */
final class GeneratedBytes extends InputStream {
    private static final int BLOCK = 1 << 20;
    private static final int CHUNK = 1 << 16;
    private final long length;
    private final byte[] block = new byte[BLOCK];
    private final MessageDigest digest;
    private long position;

    GeneratedBytes(long length, long seed) {
        this.length = length;
        new java.util.Random(seed).nextBytes(block);
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= length) {
            return -1;
        }
        int inBlock = (int) (position % BLOCK);
        int n = (int) Math.min(Math.min(len, length - position), BLOCK - inBlock);
        System.arraycopy(block, inBlock, b, off, n);
        for (long p = position; p < position + n; p++) {
            int inChunk = (int) (p % CHUNK);
            if (inChunk < 8) {
                b[off + (int) (p - position)] = (byte) ((p / CHUNK) >>> (inChunk * 8));
            } else {
                p += CHUNK - inChunk - 1;
            }
        }
        digest.update(b, off, n);
        position += n;
        return n;
    }

    /** The SHA-256 of everything read, once the stream is exhausted. */
    String sha256() {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 of a whole stream. */
    static String sha256(InputStream in) throws java.io.IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                d.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
