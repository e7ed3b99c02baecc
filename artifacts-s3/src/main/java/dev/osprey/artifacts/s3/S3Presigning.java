package dev.osprey.artifacts.s3;

import dev.osprey.artifacts.ArtifactFile;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.Presigning;
import java.io.IOException;
import java.net.URLConnection;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * S3's presigned PUT and GET of one object, as MLflow's S3 repository signs them: the upload is signed with the
 * file's content type, which the client must then send as {@code Content-Type}.
 */
final class S3Presigning implements Presigning {
    private final S3Clients clients;
    private final String bucket;
    private final Function<ArtifactPath, String> key;
    private final S3ArtifactRepository repository;

    S3Presigning(S3Clients clients, String bucket, Function<ArtifactPath, String> key,
            S3ArtifactRepository repository) {
        this.clients = clients;
        this.bucket = bucket;
        this.key = key;
        this.repository = repository;
    }

    @Override
    public PresignedUrl upload(ArtifactPath path, Duration ttl) throws IOException {
        String contentType = Optional.ofNullable(URLConnection.guessContentTypeFromName(path.name()))
                .orElse("application/octet-stream");
        try {
            var signed = clients.presigner().presignPutObject(p -> p.signatureDuration(ttl)
                    .putObjectRequest(o -> o.bucket(bucket).key(key.apply(path)).contentType(contentType)));
            return new PresignedUrl(signed.url().toString(), Map.of("Content-Type", contentType),
                    OptionalLong.empty());
        } catch (SdkException e) {
            throw S3ArtifactRepository.failure("presign upload", key.apply(path), e);
        }
    }

    @Override
    public Optional<PresignedUrl> download(ArtifactPath path, Duration ttl) throws IOException {
        Optional<ArtifactFile> file = repository.open(path);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            var signed = clients.presigner().presignGetObject(p -> p.signatureDuration(ttl)
                    .getObjectRequest(o -> o.bucket(bucket).key(key.apply(path))));
            return Optional.of(new PresignedUrl(signed.url().toString(), Map.of(),
                    OptionalLong.of(file.get().size())));
        } catch (SdkException e) {
            throw S3ArtifactRepository.failure("presign download", key.apply(path), e);
        }
    }
}
