package dev.osprey.artifacts.s3;

import dev.osprey.artifacts.ArtifactFile;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.FileInfo;
import dev.osprey.artifacts.MultipartUploads;
import dev.osprey.core.OspreyException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Artifacts under {@code s3://bucket/prefix}. An artifact path maps to the key {@code prefix/path}; directories are
 * key prefixes ending in {@code /}. Uploads of unknown length go up in {@value #CHUNK}-byte parts, so memory stays
 * bounded whatever the file size; an object appears only when its upload completes, which keeps writes atomic.
 */
public final class S3ArtifactRepository implements ArtifactRepository {
    /** Part size of streamed uploads: 10,000 parts of this size allow files up to ~78 GiB. */
    static final int CHUNK = 8 * 1024 * 1024;

    private final S3Clients clients;
    private final String bucket;
    private final String prefix;
    private final S3MultipartUploads multipart;

    private S3ArtifactRepository(S3Clients clients, String bucket, String prefix) {
        this.clients = clients;
        this.bucket = bucket;
        this.prefix = prefix;
        this.multipart = new S3MultipartUploads(clients, bucket, this::key);
    }

    /** A repository at {@code s3://bucket[/prefix]}. */
    public static S3ArtifactRepository at(URI root, S3Clients clients) {
        String bucket = root.getHost() != null ? root.getHost() : root.getAuthority();
        if (bucket == null || bucket.isBlank()) {
            throw OspreyException.invalid("Invalid S3 location '" + root + "': it names no bucket.");
        }
        String path = Optional.ofNullable(root.getPath()).orElse("");
        String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
        return new S3ArtifactRepository(clients, bucket, prefix.isEmpty() ? "" : prefix + "/");
    }

    private S3Client s3() {
        return clients.s3();
    }

    String key(ArtifactPath path) {
        return prefix + path;
    }

    private String directoryPrefix(ArtifactPath dir) {
        return dir.isRoot() ? prefix : prefix + dir + "/";
    }

    @Override
    public List<FileInfo> list(ArtifactPath directory) throws IOException {
        String dirPrefix = directoryPrefix(directory);
        List<FileInfo> out = new ArrayList<>();
        try {
            ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(dirPrefix)
                    .delimiter("/");
            for (ListObjectsV2Response page : s3().listObjectsV2Paginator(request.build())) {
                for (CommonPrefix p : page.commonPrefixes()) {
                    String name = p.prefix().substring(dirPrefix.length(), p.prefix().length() - 1);
                    if (!name.isEmpty()) {
                        out.add(new FileInfo(name, true, OptionalLong.empty()));
                    }
                }
                for (S3Object o : page.contents()) {
                    String name = o.key().substring(dirPrefix.length());
                    if (!name.isEmpty()) {
                        out.add(new FileInfo(name, false, OptionalLong.of(o.size())));
                    }
                }
            }
        } catch (SdkException e) {
            throw failure("list", dirPrefix, e);
        }
        out.sort(Comparator.comparing(FileInfo::path));
        return out;
    }

    @Override
    public Optional<ArtifactFile> open(ArtifactPath path) throws IOException {
        if (path.isRoot()) {
            return Optional.empty();
        }
        String key = key(path);
        HeadObjectResponse head;
        try {
            head = s3().headObject(b -> b.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("read", key, e);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
        long size = head.contentLength();
        String etag = head.eTag();
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
                if (offset >= size) {
                    return InputStream.nullInputStream();
                }
                try {
                    // If-Match: a file replaced between HEAD and GET fails instead of mixing two versions.
                    return s3().getObject(b -> b.bucket(bucket).key(key).ifMatch(etag).range("bytes=" + offset
                            + "-"));
                } catch (SdkException e) {
                    throw failure("read", key, e);
                }
            }
        });
    }

    @Override
    public long write(ArtifactPath path, InputStream content) throws IOException {
        if (path.isRoot()) {
            throw OspreyException.invalid("Invalid path '': a file path is required.");
        }
        String key = key(path);
        byte[] first = content.readNBytes(CHUNK);
        if (first.length < CHUNK) {
            try {
                s3().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(first));
            } catch (SdkException e) {
                throw failure("write", key, e);
            }
            return first.length;
        }
        return streamInParts(key, first, content);
    }

    private long streamInParts(String key, byte[] first, InputStream content) throws IOException {
        String uploadId;
        try {
            uploadId = s3().createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
        boolean done = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            byte[] chunk = first;
            long total = 0;
            while (chunk.length > 0) {
                if (parts.size() == MultipartUploads.MAX_PARTS) {
                    throw OspreyException.invalid("File too large for a streamed upload to S3 ("
                            + MultipartUploads.MAX_PARTS + " parts of " + CHUNK + " bytes); use multipart upload.");
                }
                int partNumber = parts.size() + 1;
                byte[] body = chunk;
                String etag = s3().uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) body.length), RequestBody.fromBytes(body)).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                total += body.length;
                chunk = content.readNBytes(CHUNK);
            }
            s3().completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
            done = true;
            return total;
        } catch (SdkException e) {
            throw failure("write", key, e);
        } finally {
            if (!done) {
                abortQuietly(key, uploadId);
            }
        }
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            s3().abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException ignored) {
            // The upload stays listed until the bucket's lifecycle rule for incomplete uploads removes it.
        }
    }

    @Override
    public void delete(ArtifactPath path) throws IOException {
        try {
            if (!path.isRoot()) {
                String key = key(path);
                s3().deleteObject(b -> b.bucket(bucket).key(key));
            }
            String dirPrefix = directoryPrefix(path);
            for (ListObjectsV2Response page : s3().listObjectsV2Paginator(b -> b.bucket(bucket)
                    .prefix(dirPrefix))) {
                if (page.contents().isEmpty()) {
                    continue;
                }
                List<ObjectIdentifier> ids = page.contents().stream()
                        .map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList();
                s3().deleteObjects(b -> b.bucket(bucket).delete(Delete.builder().objects(ids).quiet(true).build()));
            }
        } catch (SdkException e) {
            throw failure("delete", key(path), e);
        }
    }

    @Override
    public Optional<MultipartUploads> multipart() {
        return Optional.of(multipart);
    }

    @Override
    public Optional<dev.osprey.artifacts.Presigning> presigning() {
        return Optional.of(new S3Presigning(clients, bucket, this::key, this));
    }

    static IOException failure(String action, String key, SdkException e) {
        return new IOException("S3 " + action + " of '" + key + "' failed: " + e.getMessage(), e);
    }
}
