package dev.osprey.artifacts.s3;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A real S3 protocol server (s3proxy, SigV4 authentication, objects on local disk) in the test JVM, with one
 * bucket. Tests that need S3 share it; each takes its own key prefix.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "osprey-test-access";
    public static final String SECRET_KEY = "osprey-test-secret";
    public static final String BUCKET = "osprey-test";

    private final S3Proxy proxy;
    private final URI endpoint;
    private final S3Clients clients;

    private S3TestServer(S3Proxy proxy, URI endpoint, S3Clients clients) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.clients = clients;
    }

    public static S3TestServer start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-s3proxy");
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(dir.toString()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        S3Clients clients = S3Clients.create(settings(endpoint),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
        clients.s3().createBucket(b -> b.bucket(BUCKET));
        return new S3TestServer(proxy, endpoint, clients);
    }

    public static S3Settings settings(URI endpoint) {
        return new S3Settings(Optional.of(endpoint), "us-east-1", true);
    }

    public URI endpoint() {
        return endpoint;
    }

    public S3Clients clients() {
        return clients;
    }

    /** A fresh, empty location in the bucket. */
    public URI newLocation() {
        return URI.create("s3://" + BUCKET + "/" + UUID.randomUUID());
    }

    /** The environment a server process needs to reach this S3 with the standard AWS credential chain. */
    public java.util.Map<String, String> environment() {
        return java.util.Map.of("MLFLOW_S3_ENDPOINT_URL", endpoint.toString(), "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", "us-east-1");
    }

    @Override
    public void close() throws Exception {
        clients.close();
        proxy.stop();
    }
}
