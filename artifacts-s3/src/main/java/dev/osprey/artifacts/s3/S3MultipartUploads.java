package dev.osprey.artifacts.s3;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.MultipartUploads;
import dev.osprey.core.OspreyException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** S3's own multipart upload: the client PUTs each part to a presigned URL and the server completes with ETags. */
final class S3MultipartUploads implements MultipartUploads {
    /** How long a part URL stays valid: long enough for a slow part of a very large file. */
    private static final Duration PART_URL_LIFETIME = Duration.ofHours(6);

    private final S3Clients clients;
    private final String bucket;
    private final Function<ArtifactPath, String> keys;

    S3MultipartUploads(S3Clients clients, String bucket, Function<ArtifactPath, String> keys) {
        this.clients = clients;
        this.bucket = bucket;
        this.keys = keys;
    }

    @Override
    public Upload create(ArtifactPath target, int numParts, PartUrls directUrls) throws IOException {
        if (numParts < 1 || numParts > MAX_PARTS) {
            throw OspreyException.invalid("num_parts must be between 1 and " + MAX_PARTS + ", got " + numParts
                    + ".");
        }
        if (target.isRoot()) {
            throw OspreyException.invalid("Invalid path '': a file path is required.");
        }
        String key = keys.apply(target);
        try {
            String uploadId = clients.s3().createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
            List<PartTarget> parts = new ArrayList<>(numParts);
            for (int n = 1; n <= numParts; n++) {
                int partNumber = n;
                var presigned = clients.presigner().presignUploadPart(p -> p.signatureDuration(PART_URL_LIFETIME)
                        .uploadPartRequest(u -> u.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)));
                parts.add(new PartTarget(n, presigned.url().toString(), java.util.Map.of()));
            }
            return new Upload(uploadId, parts);
        } catch (SdkException e) {
            throw S3ArtifactRepository.failure("multipart create", key, e);
        }
    }

    @Override
    public void complete(ArtifactPath target, String uploadId, List<UploadedPart> parts) throws IOException {
        if (parts.isEmpty()) {
            throw OspreyException.invalid("A multipart upload needs at least one part to complete.");
        }
        String key = keys.apply(target);
        List<CompletedPart> completed = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.partNumber()).eTag(p.etag()).build()).toList();
        try {
            clients.s3().completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(completed)));
        } catch (NoSuchUploadException e) {
            throw OspreyException.notFound("No multipart upload with id " + uploadId + " is in progress.");
        } catch (S3Exception e) {
            if (e.statusCode() == 400 || e.statusCode() == 404) {
                // InvalidPart, InvalidPartOrder, EntityTooSmall...: the client's parts, not our failure.
                throw OspreyException.invalid("S3 refused to complete upload " + uploadId + ": "
                        + e.awsErrorDetails().errorMessage());
            }
            throw S3ArtifactRepository.failure("multipart complete", key, e);
        } catch (SdkException e) {
            throw S3ArtifactRepository.failure("multipart complete", key, e);
        }
    }

    @Override
    public void abort(ArtifactPath target, String uploadId) throws IOException {
        String key = keys.apply(target);
        try {
            clients.s3().abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (NoSuchUploadException e) {
            // Already gone: aborting is idempotent.
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw S3ArtifactRepository.failure("multipart abort", key, e);
            }
        } catch (SdkException e) {
            throw S3ArtifactRepository.failure("multipart abort", key, e);
        }
    }
}
