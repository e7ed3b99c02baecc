package dev.osprey.artifacts.s3;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The S3 client and presigner built from one {@link S3Settings}; both are thread-safe and long-lived. */
public record S3Clients(S3Client s3, S3Presigner presigner) implements AutoCloseable {

    public static S3Clients create(S3Settings settings) {
        return create(settings, DefaultCredentialsProvider.builder().build());
    }

    public static S3Clients create(S3Settings settings, AwsCredentialsProvider credentials) {
        S3Configuration s3Config = S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build();
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3Config)
                // Many S3-compatible servers reject the SDK's newer default trailing checksums.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        var presigner = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3Config);
        settings.endpoint().ifPresent(e -> {
            builder.endpointOverride(e);
            presigner.endpointOverride(e);
        });
        return new S3Clients(builder.build(), presigner.build());
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }
}
