package dev.osprey.server.artifacts;

import java.util.Optional;

/** One {@code Range: bytes=...} request against a file of known size (multiple ranges are served whole). */
record ByteRange(long start, long length, boolean satisfiable) {

    static Optional<ByteRange> parse(String header, long size) {
        if (!header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return Optional.empty();
        }
        String spec = header.substring("bytes=".length()).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        try {
            String first = spec.substring(0, dash).trim();
            String last = spec.substring(dash + 1).trim();
            if (first.isEmpty()) {
                long suffix = Long.parseLong(last);
                if (suffix <= 0) {
                    return Optional.of(new ByteRange(0, 0, false));
                }
                long length = Math.min(suffix, size);
                return Optional.of(new ByteRange(size - length, length, size > 0));
            }
            long start = Long.parseLong(first);
            long end = last.isEmpty() ? size - 1 : Math.min(Long.parseLong(last), size - 1);
            if (start >= size || end < start) {
                return Optional.of(new ByteRange(0, 0, false));
            }
            return Optional.of(new ByteRange(start, end - start + 1, true));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
