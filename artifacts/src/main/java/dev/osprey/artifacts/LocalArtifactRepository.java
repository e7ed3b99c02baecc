package dev.osprey.artifacts;

import dev.osprey.core.OspreyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Artifacts in a local directory tree. Paths are resolved component by component and any symbolic link on the way
 * is refused, so a link planted inside the root cannot lead out of it; files are opened without following links.
 */
public final class LocalArtifactRepository implements ArtifactRepository {
    private static final String TEMP_PREFIX = ".osprey-upload-";
    private final Path root;
    private final LocalMultipartUploads multipart;

    public LocalArtifactRepository(Path root) throws IOException {
        Files.createDirectories(root);
        this.root = root.toRealPath();
        this.multipart = new LocalMultipartUploads(this);
    }

    @Override
    public Optional<MultipartUploads> multipart() {
        return Optional.of(multipart);
    }

    public Path root() {
        return root;
    }

    /** The file system path for {@code path}, after checking that no existing component is a link. */
    private Path resolve(ArtifactPath path) {
        Path current = root;
        for (String segment : path.segments()) {
            if (segment.startsWith(TEMP_PREFIX)) {
                throw OspreyException.invalid("Invalid path '" + path + "': names starting with " + TEMP_PREFIX
                        + " are reserved.");
            }
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw OspreyException.invalid("Invalid path '" + path + "': it passes through a symbolic link.");
            }
        }
        if (!current.normalize().startsWith(root)) {
            throw OspreyException.invalid("Invalid path '" + path + "': it leaves the artifact root.");
        }
        return current;
    }

    @Override
    public List<FileInfo> list(ArtifactPath directory) throws IOException {
        Path dir = resolve(directory);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<FileInfo> out = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) {
                    continue;
                }
                BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (attrs.isDirectory()) {
                    out.add(new FileInfo(name, true, OptionalLong.empty()));
                } else if (attrs.isRegularFile()) {
                    out.add(new FileInfo(name, false, OptionalLong.of(attrs.size())));
                }
            }
        }
        out.sort(Comparator.comparing(FileInfo::path));
        return out;
    }

    @Override
    public Optional<ArtifactFile> open(ArtifactPath path) throws IOException {
        if (path.isRoot()) {
            return Optional.empty();
        }
        Path file = resolve(path);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        long size = Files.size(file);
        return Optional.of(new ArtifactFile() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public String name() {
                return path.name();
            }

            @Override
            public InputStream open(long offset) throws IOException {
                SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ,
                        LinkOption.NOFOLLOW_LINKS);
                channel.position(offset);
                return Channels.newInputStream(channel);
            }
        });
    }

    @Override
    public long write(ArtifactPath path, InputStream content) throws IOException {
        long[] written = new long[1];
        writeAssembled(path, temp -> written[0] = copy(content, temp));
        return written[0];
    }

    /** Streams into the file with large writes: fewer system calls than Files.copy's small buffer. */
    private static long copy(InputStream content, Path temp) throws IOException {
        byte[] buffer = new byte[256 * 1024];
        long total = 0;
        try (var out = Files.newOutputStream(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int n; (n = content.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                out.write(buffer, 0, n);
                total += n;
            }
        }
        return total;
    }

    /** Fails unless {@code path} could be written: not the root, no link on the way, not a directory. */
    void checkWritable(ArtifactPath path) {
        if (path.isRoot()) {
            throw OspreyException.invalid("Invalid path '': a file path is required.");
        }
        Path target = resolve(path);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw OspreyException.invalid("Invalid path '" + path + "': it is a directory.");
        }
    }

    /**
     * Has {@code assembler} fill a temporary file beside the target, then moves it into place atomically; on any
     * failure the old file stays and the temporary file is removed.
     */
    void writeAssembled(ArtifactPath path, LocalMultipartUploads.Assembler assembler) throws IOException {
        checkWritable(path);
        Path target = resolve(path);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        // createDirectories follows links; check again now that every parent exists.
        checkWritable(path);
        Path temp = parent.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            Files.createFile(temp);
            assembler.writeTo(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void delete(ArtifactPath path) throws IOException {
        Path target = resolve(path);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(target);
            return;
        }
        // walkFileTree does not follow links: a link inside the tree is removed, never what it points to.
        Files.walkFileTree(target, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                if (!dir.equals(root)) {
                    Files.delete(dir);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
