package dev.osprey.artifacts;

import dev.osprey.core.OspreyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * Multipart uploads into a local directory: parts are PUT to this server and staged under a reserved directory of
 * the root ({@code .osprey-upload-parts/<upload id>/}, hidden from listings and unreachable by artifact paths);
 * completion concatenates them into a temporary file that is moved into place atomically.
 */
final class LocalMultipartUploads implements MultipartUploads {
    static final String STAGING = ".osprey-upload-parts";
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
            + "[0-9a-f]{12}");
    private static final String TARGET_FILE = "target";

    private final LocalArtifactRepository repository;
    private final Path staging;

    LocalMultipartUploads(LocalArtifactRepository repository) {
        this.repository = repository;
        this.staging = repository.root().resolve(STAGING);
    }

    @Override
    public Upload create(ArtifactPath target, int numParts, PartUrls directUrls) throws IOException {
        checkPartCount(numParts);
        if (target.isRoot()) {
            throw OspreyException.invalid("Invalid path '': a file path is required.");
        }
        repository.checkWritable(target);
        String uploadId = UUID.randomUUID().toString();
        Path dir = staging.resolve(uploadId);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(TARGET_FILE), target.toString());
        List<PartTarget> parts = new ArrayList<>(numParts);
        for (int n = 1; n <= numParts; n++) {
            parts.add(new PartTarget(n, directUrls.url(uploadId, n), Map.of()));
        }
        return new Upload(uploadId, parts);
    }

    @Override
    public String writePart(String uploadId, int partNumber, InputStream content) throws IOException {
        Path dir = uploadDir(uploadId);
        checkPartNumber(partNumber);
        Path temp = dir.resolve("incoming-" + UUID.randomUUID());
        try {
            CRC32C crc = new CRC32C();
            long size;
            try (CheckedInputStream in = new CheckedInputStream(content, crc)) {
                size = Files.copy(in, temp);
            }
            String etag = "\"" + HexFormat.of().toHexDigits((int) crc.getValue()) + "-" + size + "\"";
            Files.writeString(dir.resolve(partNumber + ".etag"), etag);
            Files.move(temp, dir.resolve(Integer.toString(partNumber)), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            return etag;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void complete(ArtifactPath target, String uploadId, List<UploadedPart> parts) throws IOException {
        Path dir = uploadDir(uploadId);
        checkTarget(dir, target, uploadId);
        if (parts.isEmpty()) {
            throw OspreyException.invalid("A multipart upload needs at least one part to complete.");
        }
        List<Path> files = new ArrayList<>(parts.size());
        int previous = 0;
        for (UploadedPart part : parts) {
            if (part.partNumber() <= previous) {
                throw OspreyException.invalid("Parts must be listed in ascending part-number order without "
                        + "repeats; part " + part.partNumber() + " follows part " + previous + ".");
            }
            previous = part.partNumber();
            Path file = dir.resolve(Integer.toString(part.partNumber()));
            Path etagFile = dir.resolve(part.partNumber() + ".etag");
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw OspreyException.invalid("Part " + part.partNumber() + " of upload " + uploadId
                        + " was never uploaded.");
            }
            String stored = Files.readString(etagFile);
            if (!unquote(stored).equals(unquote(part.etag()))) {
                throw OspreyException.invalid("Part " + part.partNumber() + " has ETag " + stored + ", not "
                        + part.etag() + "; upload that part again.");
            }
            files.add(file);
        }
        repository.writeAssembled(target, out -> {
            try (FileChannel sink = FileChannel.open(out, StandardOpenOption.WRITE)) {
                for (Path file : files) {
                    try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ)) {
                        long size = source.size();
                        long done = 0;
                        while (done < size) {
                            done += source.transferTo(done, size - done, sink);
                        }
                    }
                }
            }
        });
        deleteTree(dir);
    }

    @Override
    public void abort(ArtifactPath target, String uploadId) throws IOException {
        checkId(uploadId);
        Path dir = staging.resolve(uploadId);
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            checkTarget(dir, target, uploadId);
            deleteTree(dir);
        }
    }

    static void checkPartCount(int numParts) {
        if (numParts < 1 || numParts > MAX_PARTS) {
            throw OspreyException.invalid("num_parts must be between 1 and " + MAX_PARTS + ", got " + numParts
                    + ".");
        }
    }

    private static void checkPartNumber(int partNumber) {
        if (partNumber < 1 || partNumber > MAX_PARTS) {
            throw OspreyException.invalid("Part numbers run from 1 to " + MAX_PARTS + ", got " + partNumber + ".");
        }
    }

    private Path uploadDir(String uploadId) {
        checkId(uploadId);
        Path dir = staging.resolve(uploadId);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw OspreyException.notFound("No multipart upload with id " + uploadId + " is in progress.");
        }
        return dir;
    }

    private static void checkId(String uploadId) {
        if (!UPLOAD_ID.matcher(uploadId).matches()) {
            throw OspreyException.invalid("Invalid upload_id '" + uploadId.replaceAll("\\p{Cntrl}", "?") + "'.");
        }
    }

    private static void checkTarget(Path dir, ArtifactPath target, String uploadId) throws IOException {
        String stored = Files.readString(dir.resolve(TARGET_FILE), StandardCharsets.UTF_8);
        if (!stored.equals(target.toString())) {
            throw OspreyException.invalid("Upload " + uploadId + " is for '" + stored + "', not '" + target + "'.");
        }
    }

    private static String unquote(String etag) {
        String t = etag.trim();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** Writes the assembled file; given the path of an empty temporary file beside the target. */
    @FunctionalInterface
    interface Assembler {
        void writeTo(Path temp) throws IOException;
    }
}
