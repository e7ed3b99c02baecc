package dev.osprey.gateway;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** The Authorization header the AWS SDK's own SigV4 signer computes for a request the mock received. */
final class SigV4Check {
    private SigV4Check() {}

    static String expectedAuthorization(MockProvider.Received r, String base, String keyId, String secret) {
        Instant at = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .parse(r.header("X-Amz-Date"), Instant::from);
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create(base + r.rawPath())).putHeader("Content-Type", r.header("Content-Type")).build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(s -> s
                .identity(AwsCredentialsIdentity.create(keyId, secret))
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(r.rawBody()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElseThrow();
    }
}
