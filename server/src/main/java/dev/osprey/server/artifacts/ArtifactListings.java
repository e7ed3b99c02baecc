package dev.osprey.server.artifacts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.FileInfo;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The {@code {root_uri, files}} answer of the run and logged-model artifact listings (spec/artifacts.md §4). */
public final class ArtifactListings {
    private ArtifactListings() {}

    /** Immediate children of {@code sub} under {@code rootUri}, each path relative to the root. */
    public static ObjectNode list(ArtifactLocations locations, String rootUri, ArtifactPath sub) {
        ArtifactLocations.Location root = locations.resolve(rootUri);
        List<FileInfo> files;
        try {
            files = root.repository().list(root.path().resolve(sub));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode out = Json.object();
        out.put("root_uri", rootUri);
        if (!files.isEmpty()) {
            ArrayNode array = out.putArray("files");
            String prefix = sub.isRoot() ? "" : sub + "/";
            for (FileInfo f : files) {
                ObjectNode node = array.addObject().put("path", prefix + f.path()).put("is_dir", f.isDir());
                f.fileSize().ifPresent(size -> node.put("file_size", size));
            }
        }
        return out;
    }
}
