package dev.osprey.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Uploads in parts that clients send in parallel (spec/artifacts.md §3, multipart upload). Object stores hand out
 * presigned URLs for the parts; the local repository has the parts sent to this server, at URLs the server makes
 * with {@link PartUrls}. Nothing is visible at the target until {@link #complete}.
 */
public interface MultipartUploads {
    /** The most parts one upload may have (S3's limit, which every implementation keeps). */
    int MAX_PARTS = 10_000;

    /** Starts an upload of {@code target} in {@code numParts} parts and says where each part goes. */
    Upload create(ArtifactPath target, int numParts, PartUrls directUrls) throws IOException;

    /** Assembles the parts, in part-number order, into the file at {@code target}. */
    void complete(ArtifactPath target, String uploadId, List<UploadedPart> parts) throws IOException;

    /** Drops an upload and its parts; an unknown upload is not an error. */
    void abort(ArtifactPath target, String uploadId) throws IOException;

    /**
     * Stores one part sent to this server; returns its ETag. Only repositories whose part URLs point at this server
     * accept parts here.
     */
    default String writePart(String uploadId, int partNumber, InputStream content) throws IOException {
        throw new UnsupportedOperationException("Parts of this repository are uploaded to its presigned URLs.");
    }

    /** Where the server accepts a part of an upload, for repositories without presigned URLs. */
    @FunctionalInterface
    interface PartUrls {
        String url(String uploadId, int partNumber);
    }

    /** A started upload: its id and one target per part. */
    record Upload(String uploadId, List<PartTarget> parts) {
        public Upload {
            parts = List.copyOf(parts);
        }
    }

    /** Where to PUT one part, with the headers that must go with it. */
    record PartTarget(int partNumber, String url, Map<String, String> headers) {
        public PartTarget {
            headers = Map.copyOf(headers);
        }
    }

    /** A part as the client reports it at completion: its number and the ETag its PUT answered with. */
    record UploadedPart(int partNumber, String etag) {}
}
