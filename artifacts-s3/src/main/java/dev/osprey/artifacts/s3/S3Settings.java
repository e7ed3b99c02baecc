package dev.osprey.artifacts.s3;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach S3: an optional endpoint for S3-compatible servers (MinIO, Ceph, s3proxy...), the region, and
 * whether to address buckets by path. Credentials always come from the AWS SDK's standard chain (environment,
 * system properties, profile files, container and instance roles), so no secret passes through Osprey's config.
 */
public record S3Settings(Optional<URI> endpoint, String region, boolean pathStyle) {

    /**
     * From the environment, with MLflow's variable first: {@code MLFLOW_S3_ENDPOINT_URL}, then
     * {@code AWS_ENDPOINT_URL_S3} and {@code AWS_ENDPOINT_URL}; {@code AWS_REGION} or {@code AWS_DEFAULT_REGION}
     * (default us-east-1); path-style addressing when an endpoint is set, unless {@code OSPREY_S3_PATH_STYLE=false}.
     */
    public static S3Settings fromEnvironment(Map<String, String> env) {
        Optional<URI> endpoint = first(env, "MLFLOW_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
                .map(URI::create);
        String region = first(env, "AWS_REGION", "AWS_DEFAULT_REGION").orElse("us-east-1");
        boolean pathStyle = Optional.ofNullable(env.get("OSPREY_S3_PATH_STYLE")).map(Boolean::parseBoolean)
                .orElse(endpoint.isPresent());
        return new S3Settings(endpoint, region, pathStyle);
    }

    private static Optional<String> first(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(value.trim());
            }
        }
        return Optional.empty();
    }
}
