package dev.osprey.client;

/**
 * How artifacts move: files of at least {@code multipartThreshold} bytes go up in parts of {@code partSize} bytes,
 * {@code parallelism} at a time, when the server supports multipart upload.
 */
record ArtifactSettings(long multipartThreshold, long partSize, int parallelism) {
    /** S3 refuses parts smaller than this, except the last. */
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    static final ArtifactSettings DEFAULTS = new ArtifactSettings(64L * 1024 * 1024, 16L * 1024 * 1024, 4);

    ArtifactSettings {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("partSize must be at least " + MIN_PART_SIZE + " bytes, got "
                    + partSize);
        }
        if (multipartThreshold < 1) {
            throw new IllegalArgumentException("multipartThreshold must be positive, got " + multipartThreshold);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
    }
}
